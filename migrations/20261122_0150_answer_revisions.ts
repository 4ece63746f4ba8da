import type { Kysely } from 'kysely';

// Frozen in time: never import application code here.

/**
 * The browser's revision of an autosaved answer or note (milliseconds when it
 * was chosen). A save that arrives late, after a newer one, must not overwrite it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('answers').addColumn('client_rev', 'bigint').execute();
  await db.schema.alterTable('evidence_notes').addColumn('client_rev', 'bigint').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('evidence_notes').dropColumn('client_rev').execute();
  await db.schema.alterTable('answers').dropColumn('client_rev').execute();
}
