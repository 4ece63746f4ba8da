import { sql, type Kysely } from 'kysely';

// Frozen in time: never import application code here.

/**
 * A leader's loop: actions recorded on a private link against the constraint's checkpoints, and
 * a retake that links the next quarter's response to this one (at most one retake per response,
 * which also makes a double-clicked "take it again" idempotent).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('responses')
    .addColumn('previous_response_id', 'uuid', (c) => c.references('responses.id').onDelete('set null').unique())
    .execute();

  await db.schema
    .createTable('response_actions')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('response_id', 'uuid', (c) => c.notNull().references('responses.id').onDelete('cascade'))
    .addColumn('checkpoint_id', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().check(sql`char_length(description) between 1 and 500`))
    .addColumn('owner', 'text', (c) => c.notNull().check(sql`char_length(owner) between 1 and 200`))
    .addColumn('due_quarter', 'text', (c) => c.notNull().check(sql`due_quarter ~ '^[0-9]{4}-Q[1-4]$'`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('response_actions_one_per_checkpoint', ['response_id', 'checkpoint_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('response_actions').execute();
  await db.schema.alterTable('responses').dropColumn('previous_response_id').execute();
}
