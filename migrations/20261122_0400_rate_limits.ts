import { sql, type Kysely } from 'kysely';

// Frozen in time: never import application code here.

/**
 * Rate-limit counters shared by every app process (join codes, sign-in,
 * starting assessments). Unlogged: a counter lost in a crash only resets a window.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create unlogged table rate_limits (
    key text primary key,
    count integer not null,
    expires_at timestamptz not null
  )`.execute(db);
  await db.schema.createIndex('rate_limits_expires_at_idx').on('rate_limits').column('expires_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('rate_limits').execute();
}
