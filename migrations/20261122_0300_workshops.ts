import { sql, type Kysely } from 'kysely';

// Frozen in time: never import application code here.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('workshops')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    // The coach who runs it. Co-facilitators and organisations will attach through their own tables.
    .addColumn('owner_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull().check(sql`char_length(title) between 1 and 200`))
    .addColumn('assessment_id', 'text', (c) => c.notNull())
    .addColumn('assessment_version', 'integer', (c) => c.notNull())
    .addColumn('roles', sql`text[]`, (c) => c.notNull())
    .addColumn('anonymity_minimum', 'integer', (c) => c.notNull().check(sql`anonymity_minimum >= 3`))
    .addColumn('expected_participants', 'integer', (c) => c.check(sql`expected_participants > 0`))
    .addColumn('join_code', 'text', (c) => c.notNull().unique())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('open').check(sql`status in ('open', 'closed')`))
    .addColumn('results_revealed', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('closed_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('workshops_owner_idx').on('workshops').columns(['owner_id', 'created_at']).execute();

  // A participant's response: the workshop and role are frozen on it, so later re-orgs do not rewrite history.
  await db.schema
    .alterTable('responses')
    .addColumn('workshop_id', 'uuid', (c) => c.references('workshops.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.check(sql`role in ('leader', 'team_member')`))
    // A random id for anonymous exports: not the token, not linkable to a person.
    .addColumn('participant_code', 'text')
    .execute();
  await db.schema.createIndex('responses_workshop_idx').on('responses').column('workshop_id').execute();

  await db.schema
    .createTable('workshop_consensus')
    .addColumn('workshop_id', 'uuid', (c) => c.notNull().references('workshops.id').onDelete('cascade'))
    .addColumn('checkpoint_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('rating', 'not_applicable', 'dont_know')`))
    .addColumn('value', 'smallint')
    .addColumn('dissent_note', 'text', (c) => c.check(sql`char_length(dissent_note) <= 2000`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('workshop_consensus_pkey', ['workshop_id', 'checkpoint_id'])
    .addCheckConstraint('workshop_consensus_value_iff_rating', sql`(kind = 'rating') = (value is not null)`)
    .execute();

  await db.schema
    .createTable('workshop_actions')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('workshop_id', 'uuid', (c) => c.notNull().references('workshops.id').onDelete('cascade'))
    .addColumn('checkpoint_id', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull().check(sql`char_length(title) between 1 and 300`))
    .addColumn('owner_name', 'text', (c) => c.notNull().check(sql`char_length(owner_name) between 1 and 120`))
    .addColumn('due_quarter', 'text', (c) => c.notNull().check(sql`due_quarter ~ '^[0-9]{4}-Q[1-4]$'`))
    // Retries of the same form post (same key) create one action.
    .addColumn('request_key', 'text', (c) => c.unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('workshop_actions_workshop_idx').on('workshop_actions').column('workshop_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('workshop_actions').execute();
  await db.schema.dropTable('workshop_consensus').execute();
  await db.schema.alterTable('responses').dropColumn('participant_code').dropColumn('role').dropColumn('workshop_id').execute();
  await db.schema.dropTable('workshops').execute();
}
