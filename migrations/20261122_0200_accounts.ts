import { sql, type Kysely } from 'kysely';

// Frozen in time: never import application code here.
//
// Coach accounts and their server-side sessions. A user is a person, nothing more: no role and no
// organisation column. Organisations attach later with their own tables,
//   organisations(id, name, …) and memberships(user_id → users, organisation_id → organisations, role),
// so one person can belong to several organisations with a different role in each, and workshops
// can then be owned by an organisation instead of (or as well as) a user.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    // Stored trimmed and lower-cased, so the unique constraint is case-insensitive.
    .addColumn('email', 'text', (c) => c.notNull().unique().check(sql`email = lower(btrim(email)) and email <> ''`))
    .addColumn('display_name', 'text', (c) => c.notNull())
    // Self-describing KDF string: "scrypt$<N>$<r>$<p>$<salt>$<hash>", so parameters can rise later.
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('sessions')
    // sha256 of the 32-byte random token in the cookie: the database alone cannot sign anyone in.
    .addColumn('token_hash', 'bytea', (c) => c.primaryKey())
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sessions_user_id_idx').on('sessions').column('user_id').execute();
  // For the periodic sweep of expired sessions.
  await db.schema.createIndex('sessions_expires_at_idx').on('sessions').column('expires_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sessions').execute();
  await db.schema.dropTable('users').execute();
}
