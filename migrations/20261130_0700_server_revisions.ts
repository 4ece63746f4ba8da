import { sql, type Kysely } from 'kysely';

// Frozen in time: never import application code here.

/**
 * Answers and evidence notes carry a revision the server assigns (1 when first stored, one more
 * on every change). A page carries the revisions it showed, and an autosave only replaces what
 * that page saw (compare-and-set), so two devices on one private link never silently overwrite
 * each other and the browser's clock plays no part. `client_rev` is no longer written.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table answers add column revision integer not null default 1`.execute(db);
  await sql`alter table evidence_notes add column revision integer not null default 1`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table evidence_notes drop column revision`.execute(db);
  await sql`alter table answers drop column revision`.execute(db);
}
