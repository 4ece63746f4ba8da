import type { Kysely, Transaction } from 'kysely';
import { sql } from 'kysely';
import type { TeamNode } from '../domain/team-tree.js';
import type { Database } from './database.js';

type Db = Kysely<Database> | Transaction<Database>;

/** Every team of the organisation, archived ones too (history keeps their names), by id. */
export async function teamsOf(db: Db, organisationId: string): Promise<Map<string, TeamNode>> {
  const rows = await db
    .selectFrom('teams')
    .select(['id', 'parent_id as parentId', 'name', 'archived_at'])
    .where('organisation_id', '=', organisationId)
    .execute();
  return new Map(rows.map((r) => [r.id, { id: r.id, parentId: r.parentId, name: r.name, archived: r.archived_at !== null }]));
}

export async function createTeam(db: Db, organisationId: string, input: { name: string; parentId: string | null }): Promise<string> {
  const row = await db
    .insertInto('teams')
    .values({ organisation_id: organisationId, name: input.name, parent_id: input.parentId })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function updateTeam(
  db: Db,
  organisationId: string,
  teamId: string,
  input: { name: string; parentId: string | null; archived: boolean },
): Promise<void> {
  await db
    .updateTable('teams')
    .set({
      name: input.name,
      parent_id: input.parentId,
      archived_at: input.archived ? sql`coalesce(archived_at, now())` : null,
    })
    .where('organisation_id', '=', organisationId)
    .where('id', '=', teamId)
    .execute();
}
