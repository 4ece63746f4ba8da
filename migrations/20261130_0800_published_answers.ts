import { sql, type Kysely } from 'kysely';

// Frozen in time: never import application code here.

/**
 * What a workshop's group views show is a published copy of its answers, per
 * checkpoint and anonymous series (a role), that moves only in steps of at least
 * the anonymity minimum of changed respondents; leaders may answer on the record
 * (with their consent); an exported workshop cannot be reopened.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('published_answers')
    .addColumn('workshop_id', 'uuid', (c) => c.notNull().references('workshops.id').onDelete('cascade'))
    .addColumn('checkpoint_id', 'text', (c) => c.notNull())
    .addColumn('response_id', 'uuid', (c) => c.notNull().references('responses.id').onDelete('cascade'))
    .addColumn('series', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('rating', 'not_applicable', 'dont_know')`))
    .addColumn('value', 'smallint')
    .addPrimaryKeyConstraint('published_answers_pkey', ['workshop_id', 'checkpoint_id', 'response_id'])
    .execute();
  await sql`create index published_answers_response_idx on published_answers (response_id)`.execute(db);

  await db.schema
    .alterTable('workshops')
    .addColumn('leaders_on_record', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('exported_at', 'timestamptz')
    // Bumped by every publication: with the answers' count and latest change, a cheap fingerprint of what the group views show.
    .addColumn('published_version', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  // The participant agreed to answer on the record (a leader, when the workshop asks it).
  await db.schema.alterTable('responses').addColumn('on_record', 'boolean', (c) => c.notNull().defaultTo(false)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('responses').dropColumn('on_record').execute();
  await db.schema.alterTable('workshops').dropColumn('published_version').dropColumn('exported_at').dropColumn('leaders_on_record').execute();
  await db.schema.dropTable('published_answers').execute();
}
