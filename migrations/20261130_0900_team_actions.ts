import { sql, type Kysely } from 'kysely';

// Frozen in time: never import application code here.
//
// Actions a team takes on its constraint's checkpoints after a round: who owns each and the round it
// is due by. The next closed round shows, per action, whether its checkpoint moved alongside it.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('team_actions')
    .addColumn('organisation_id', 'uuid', (c) => c.notNull())
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(sql`gen_random_uuid()`))
    // The closed round whose results the action responds to.
    .addColumn('round_id', 'uuid', (c) => c.notNull())
    .addColumn('team_id', 'uuid', (c) => c.notNull())
    .addColumn('checkpoint_id', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull().check(sql`char_length(title) between 1 and 300`))
    .addColumn('owner_name', 'text', (c) => c.notNull().check(sql`char_length(owner_name) between 1 and 120`))
    .addColumn('due_round', 'text', (c) => c.notNull().check(sql`char_length(due_round) between 1 and 40`))
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('team_actions_pkey', ['organisation_id', 'id'])
    .addForeignKeyConstraint('team_actions_round_fkey', ['organisation_id', 'round_id'], 'rounds', ['organisation_id', 'id'], (c) =>
      c.onDelete('cascade'),
    )
    .addForeignKeyConstraint('team_actions_team_fkey', ['organisation_id', 'team_id'], 'teams', ['organisation_id', 'id'], (c) =>
      c.onDelete('cascade'),
    )
    .execute();
  await db.schema.createIndex('team_actions_team_idx').on('team_actions').columns(['organisation_id', 'team_id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('team_actions').execute();
}
