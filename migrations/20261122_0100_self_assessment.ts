import { sql, type Kysely } from 'kysely';

// Frozen in time: never import application code here.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('app_settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('responses')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    // sha256 of the private link's token: the link itself is never stored.
    .addColumn('token_hash', 'bytea', (c) => c.notNull().unique())
    .addColumn('assessment_id', 'text', (c) => c.notNull())
    .addColumn('assessment_version', 'integer', (c) => c.notNull())
    // Where the respondent last was: a phase id or "review"; resuming returns there.
    .addColumn('last_step', 'text')
    // Client-supplied Idempotency-Key of the request that created it (API retries).
    .addColumn('creation_key', 'text', (c) => c.unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('answers')
    .addColumn('response_id', 'uuid', (c) => c.notNull().references('responses.id').onDelete('cascade'))
    .addColumn('checkpoint_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('rating', 'not_applicable', 'dont_know')`))
    .addColumn('value', 'smallint')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('answers_pkey', ['response_id', 'checkpoint_id'])
    .addCheckConstraint('answers_value_iff_rating', sql`(kind = 'rating') = (value is not null)`)
    .execute();

  await db.schema
    .createTable('evidence_notes')
    .addColumn('response_id', 'uuid', (c) => c.notNull().references('responses.id').onDelete('cascade'))
    .addColumn('checkpoint_id', 'text', (c) => c.notNull())
    .addColumn('note', 'text', (c) => c.notNull().check(sql`char_length(note) <= 2000`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('evidence_notes_pkey', ['response_id', 'checkpoint_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('evidence_notes').execute();
  await db.schema.dropTable('answers').execute();
  await db.schema.dropTable('responses').execute();
  await db.schema.dropTable('app_settings').execute();
}
