import { sql, type Kysely } from 'kysely';

// Frozen in time: never import application code here.

/**
 * A workshop participant may share an evidence note with the room (shown there without a name);
 * every other note stays private to its author. Notes written before this stay private.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table evidence_notes add column shared boolean not null default false`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table evidence_notes drop column shared`.execute(db);
}
