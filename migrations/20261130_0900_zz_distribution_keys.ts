import { sql, type Kysely } from 'kysely';

// Frozen in time: never import application code here.
//
// Unique constraints of organisation-scoped tables include organisation_id, as a table distributed
// on it (Citus) requires. Every lookup by token hash already names the organisation (it is in the
// link or the API path), and a 256-bit random token's hash does not repeat anyway.

const tables = [
  ['invitations', 'token_hash', 'invitations_token_hash_key'],
  ['round_teams', 'link_token_hash', 'round_teams_link_token_hash_key'],
  ['api_tokens', 'token_hash', 'api_tokens_token_hash_key'],
] as const;

export async function up(db: Kysely<any>): Promise<void> {
  for (const [table, column, constraint] of tables) {
    await sql`alter table ${sql.table(table)} drop constraint ${sql.ref(constraint)}`.execute(db);
    await sql`alter table ${sql.table(table)} add constraint ${sql.ref(`${table}_organisation_${column}_key`)} unique (organisation_id, ${sql.ref(column)})`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [table, column, constraint] of tables) {
    await sql`alter table ${sql.table(table)} drop constraint ${sql.ref(`${table}_organisation_${column}_key`)}`.execute(db);
    await sql`alter table ${sql.table(table)} add constraint ${sql.ref(constraint)} unique (${sql.ref(column)})`.execute(db);
  }
}
