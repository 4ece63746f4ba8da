import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './database.js';

type Db = Kysely<Database> | Transaction<Database>;

export interface ApiTokenRecord {
  id: string;
  organisationId: string;
  name: string;
  createdAt: Date;
}

const columns = ['id', 'organisation_id as organisationId', 'name', 'created_at as createdAt'] as const;

export async function createApiToken(db: Db, organisationId: string, input: { name: string; tokenHash: Buffer; createdBy: string }): Promise<ApiTokenRecord> {
  return db
    .insertInto('api_tokens')
    .values({ organisation_id: organisationId, name: input.name, token_hash: input.tokenHash, created_by: input.createdBy })
    .returning(columns)
    .executeTakeFirstOrThrow();
}

export async function activeApiTokens(db: Db, organisationId: string): Promise<ApiTokenRecord[]> {
  return db
    .selectFrom('api_tokens')
    .select(columns)
    .where('organisation_id', '=', organisationId)
    .where('revoked_at', 'is', null)
    .orderBy('created_at', 'desc')
    .execute();
}

export async function revokeApiToken(db: Db, organisationId: string, id: string): Promise<ApiTokenRecord | undefined> {
  return db
    .updateTable('api_tokens')
    .set({ revoked_at: sql`now()` })
    .where('organisation_id', '=', organisationId)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returning(columns)
    .executeTakeFirst();
}

/** The active token of this organisation with this hash. */
export async function findApiToken(db: Db, organisationId: string, tokenHash: Buffer): Promise<ApiTokenRecord | undefined> {
  return db
    .selectFrom('api_tokens')
    .select(columns)
    .where('organisation_id', '=', organisationId)
    .where('token_hash', '=', tokenHash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}
