import { sql, type Kysely } from 'kysely';

// Frozen in time: never import application code here.
//
// The organisation level. Every organisation-scoped table carries organisation_id as the first
// column of its primary key, and references between them include it, so the tables can be
// distributed (Citus) on organisation_id without a schema change: every row of one organisation
// lives on one shard, and every join stays on it.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('organisations')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull().check(sql`char_length(name) between 1 and 200`))
    .addColumn('anonymity_minimum', 'integer', (c) =>
      c.notNull().defaultTo(5).check(sql`anonymity_minimum between 3 and 50`),
    )
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // Teams form a tree; a team is archived, never deleted, so history keeps its name.
  await db.schema
    .createTable('teams')
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(sql`gen_random_uuid()`))
    .addColumn('parent_id', 'uuid')
    .addColumn('name', 'text', (c) => c.notNull().check(sql`char_length(name) between 1 and 120`))
    .addColumn('archived_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('teams_pkey', ['organisation_id', 'id'])
    .addForeignKeyConstraint('teams_parent_fkey', ['organisation_id', 'parent_id'], 'teams', ['organisation_id', 'id'])
    .addCheckConstraint('teams_not_own_parent', sql`parent_id is distinct from id`)
    .execute();

  // Roles: owner, admin, coach, viewer, member. branch_team_id scopes a viewer (what they may read),
  // a coach (the teams they run workshops for) and a member (their own team); null means the whole
  // organisation for owners and admins.
  await db.schema
    .createTable('memberships')
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('owner', 'admin', 'coach', 'viewer', 'member')`))
    .addColumn('branch_team_id', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('memberships_pkey', ['organisation_id', 'user_id'])
    .addForeignKeyConstraint('memberships_branch_fkey', ['organisation_id', 'branch_team_id'], 'teams', ['organisation_id', 'id'])
    .execute();
  await db.schema.createIndex('memberships_user_idx').on('memberships').column('user_id').execute();

  // An invitation is a link; only the sha256 of its random token is stored.
  await db.schema
    .createTable('invitations')
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(sql`gen_random_uuid()`))
    .addColumn('token_hash', 'bytea', (c) => c.notNull().unique())
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('admin', 'coach', 'viewer', 'member')`))
    .addColumn('branch_team_id', 'uuid')
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('accepted_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('accepted_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .addPrimaryKeyConstraint('invitations_pkey', ['organisation_id', 'id'])
    .addForeignKeyConstraint('invitations_branch_fkey', ['organisation_id', 'branch_team_id'], 'teams', ['organisation_id', 'id'])
    .execute();

  // A round: one assessment version, a minimum frozen when it opens, results computed once at close.
  await db.schema
    .createTable('rounds')
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(sql`gen_random_uuid()`))
    .addColumn('label', 'text', (c) => c.notNull().check(sql`char_length(label) between 1 and 40`))
    .addColumn('assessment_id', 'text', (c) => c.notNull())
    .addColumn('assessment_version', 'integer', (c) => c.notNull())
    .addColumn('anonymity_minimum', 'integer', (c) => c.notNull().check(sql`anonymity_minimum >= 3`))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('open').check(sql`status in ('open', 'closed')`))
    .addColumn('opened_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('closed_at', 'timestamptz')
    .addPrimaryKeyConstraint('rounds_pkey', ['organisation_id', 'id'])
    .addUniqueConstraint('rounds_label_key', ['organisation_id', 'label'])
    .execute();

  // The teams a round asks, how many people each has, the team's path when the round opened, and
  // the sha256 of its anonymous answer link.
  await db.schema
    .createTable('round_teams')
    .addColumn('organisation_id', 'uuid', (c) => c.notNull())
    .addColumn('round_id', 'uuid', (c) => c.notNull())
    .addColumn('team_id', 'uuid', (c) => c.notNull())
    .addColumn('headcount', 'integer', (c) => c.notNull().check(sql`headcount between 1 and 100000`))
    .addColumn('team_path', 'text', (c) => c.notNull())
    .addColumn('team_path_label', 'text', (c) => c.notNull())
    .addColumn('link_token_hash', 'bytea', (c) => c.notNull().unique())
    .addPrimaryKeyConstraint('round_teams_pkey', ['organisation_id', 'round_id', 'team_id'])
    .addForeignKeyConstraint('round_teams_round_fkey', ['organisation_id', 'round_id'], 'rounds', ['organisation_id', 'id'], (c) =>
      c.onDelete('cascade'),
    )
    .addForeignKeyConstraint('round_teams_team_fkey', ['organisation_id', 'team_id'], 'teams', ['organisation_id', 'id'], (c) =>
      c.onDelete('cascade'),
    )
    .execute();

  // Results computed once when a round closes, one row per team that had responses in its subtree:
  // the subtree's pooled answer counts (so the engine can diagnose them) and a per-phase summary for the heatmap.
  await db.schema
    .createTable('round_team_results')
    .addColumn('organisation_id', 'uuid', (c) => c.notNull())
    .addColumn('round_id', 'uuid', (c) => c.notNull())
    .addColumn('team_id', 'uuid', (c) => c.notNull())
    .addColumn('team_path', 'text', (c) => c.notNull())
    .addColumn('team_name', 'text', (c) => c.notNull())
    .addColumn('respondents', 'integer', (c) => c.notNull())
    .addColumn('leaders', 'integer', (c) => c.notNull())
    .addColumn('team_members', 'integer', (c) => c.notNull())
    .addColumn('counts', 'jsonb', (c) => c.notNull())
    .addColumn('summary', 'jsonb', (c) => c.notNull())
    .addPrimaryKeyConstraint('round_team_results_pkey', ['organisation_id', 'round_id', 'team_id'])
    .addForeignKeyConstraint('round_team_results_round_fkey', ['organisation_id', 'round_id'], 'rounds', ['organisation_id', 'id'], (c) =>
      c.onDelete('cascade'),
    )
    .execute();

  // Responses and workshops carry the round and team they answer for, frozen when created.
  await db.schema
    .alterTable('responses')
    .addColumn('organisation_id', 'uuid', (c) => c.references('organisations.id').onDelete('cascade'))
    .addColumn('round_id', 'uuid')
    .addColumn('team_id', 'uuid')
    .addColumn('team_path', 'text')
    .execute();
  await sql`alter table responses add constraint responses_round_fkey foreign key (organisation_id, round_id)
            references rounds (organisation_id, id) on delete cascade`.execute(db);
  await sql`alter table responses add constraint responses_round_team_complete
            check ((round_id is null) = (team_id is null) and (round_id is null) = (team_path is null)
                   and (round_id is null or organisation_id is not null))`.execute(db);
  await sql`create index responses_round_idx on responses (organisation_id, round_id, team_id) where round_id is not null`.execute(db);

  await db.schema
    .alterTable('workshops')
    .addColumn('organisation_id', 'uuid', (c) => c.references('organisations.id').onDelete('cascade'))
    .addColumn('round_id', 'uuid')
    .addColumn('team_id', 'uuid')
    .execute();
  await sql`alter table workshops add constraint workshops_round_team_fkey foreign key (organisation_id, round_id, team_id)
            references round_teams (organisation_id, round_id, team_id) on delete cascade`.execute(db);
  await sql`create index workshops_round_idx on workshops (organisation_id, round_id) where round_id is not null`.execute(db);

  // Who changed roles, opened or closed rounds, exported or deleted data, and when.
  await db.schema
    .createTable('audit_log')
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('id', 'bigint', (c) => c.notNull().generatedAlwaysAsIdentity())
    .addColumn('actor_id', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('actor_name', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('detail', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('audit_log_pkey', ['organisation_id', 'id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('audit_log').execute();
  await db.schema.alterTable('workshops').dropColumn('team_id').dropColumn('round_id').dropColumn('organisation_id').execute();
  await db.schema
    .alterTable('responses')
    .dropColumn('team_path')
    .dropColumn('team_id')
    .dropColumn('round_id')
    .dropColumn('organisation_id')
    .execute();
  await db.schema.dropTable('round_team_results').execute();
  await db.schema.dropTable('round_teams').execute();
  await db.schema.dropTable('rounds').execute();
  await db.schema.dropTable('invitations').execute();
  await db.schema.dropTable('memberships').execute();
  await db.schema.dropTable('teams').execute();
  await db.schema.dropTable('organisations').execute();
}
