import { createHash, randomBytes } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './database.js';

type Db = Kysely<Database> | Transaction<Database>;

/** A signed-in person as the rest of the app sees them (no password hash). */
export interface AccountUser {
  id: string;
  email: string;
  displayName: string;
}

export interface UserWithPassword extends AccountUser {
  passwordHash: string;
}

export type CreateUserResult = { created: true; user: AccountUser } | { created: false; reason: 'email_taken' };

const userColumns = ['users.id', 'users.email', 'users.display_name as displayName'] as const;

/** Emails are compared trimmed and lower-cased; the table stores them that way. */
export const normaliseEmail = (email: string): string => email.trim().toLowerCase();

/** Create a user; an email that already has an account is a result, not an exception. */
export async function createUser(
  db: Db,
  input: { email: string; displayName: string; passwordHash: string },
): Promise<CreateUserResult> {
  const user = await db
    .insertInto('users')
    .values({ email: normaliseEmail(input.email), display_name: input.displayName, password_hash: input.passwordHash })
    .onConflict((oc) => oc.column('email').doNothing())
    .returning(userColumns)
    .executeTakeFirst();
  return user ? { created: true, user } : { created: false, reason: 'email_taken' };
}

export async function findUserByEmail(db: Db, email: string): Promise<UserWithPassword | undefined> {
  return db
    .selectFrom('users')
    .select([...userColumns, 'users.password_hash as passwordHash'])
    .where('users.email', '=', normaliseEmail(email))
    .executeTakeFirst();
}

/** A session token: 32 random bytes as base64url (43 characters). Only its sha256 is stored. */
const tokenShape = /^[A-Za-z0-9_-]{43}$/;

export const isWellFormedSessionToken = (token: string): boolean => tokenShape.test(token);

export const hashSessionToken = (token: string): Buffer => createHash('sha256').update(token).digest();

/** Start a session for `userId` lasting `ttlSeconds`; returns the token for the cookie. */
export async function createSession(db: Db, userId: string, ttlSeconds: number): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db
    .insertInto('sessions')
    .values({
      token_hash: hashSessionToken(token),
      user_id: userId,
      // The database's clock, the same one findSessionUser compares against.
      expires_at: sql<Date>`now() + make_interval(secs => ${ttlSeconds})`,
    })
    .execute();
  return token;
}

/** The user of a session that exists and has not expired. */
export async function findSessionUser(db: Db, tokenHash: Buffer): Promise<AccountUser | undefined> {
  return db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(userColumns)
    .where('sessions.token_hash', '=', tokenHash)
    .where('sessions.expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
}

export async function deleteSession(db: Db, tokenHash: Buffer): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
}

/** Remove every expired session; returns how many went. */
export async function deleteExpiredSessions(db: Db): Promise<number> {
  const result = await db.deleteFrom('sessions').where('expires_at', '<=', sql<Date>`now()`).executeTakeFirst();
  return Number(result.numDeletedRows);
}
