/**
 * A private, migrated database per test file, cloned from the template made by global-setup.ts.
 *
 *   let database: TestDatabase;
 *   beforeAll(async () => { database = await createTestDatabase(); });
 *   afterAll(async () => { await app.close(); await database.drop(); }); // end pools first
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { databaseUrl, withAdminClient } from './postgres.js';
import type {} from './global-setup.js'; // brings the ProvidedContext augmentation for inject('postgres')

export interface TestDatabase {
  /** Connection URL of the new database (same server and credentials as the admin URL). */
  url: string;
  /** Database name, e.g. for log messages. */
  name: string;
  /** DROP DATABASE IF EXISTS: end every pool/client connected to it first. Idempotent. */
  drop(): Promise<void>;
}

/** Any constant: serialises CREATE DATABASE … TEMPLATE across the test workers. */
const CLONE_LOCK_KEY = 0x5a_11_90_17;
/** SQLSTATE object_in_use: "source database … is being accessed by other users" and friends. */
const OBJECT_IN_USE = '55006';

export async function createTestDatabase(): Promise<TestDatabase> {
  const { adminUrl, template } = inject('postgres');
  const name = `stallpoint_test_${randomBytes(8).toString('hex')}`;

  await withAdminClient(adminUrl, async (c) => {
    await c.query('SELECT pg_advisory_lock($1)', [CLONE_LOCK_KEY]);
    try {
      await retryWhileInUse(() =>
        c.query(`CREATE DATABASE ${c.escapeIdentifier(name)} TEMPLATE ${c.escapeIdentifier(template)}`),
      );
    } finally {
      await c.query('SELECT pg_advisory_unlock($1)', [CLONE_LOCK_KEY]).catch(() => {});
    }
  });

  let dropped: Promise<void> | undefined;
  return {
    url: databaseUrl(adminUrl, name),
    name,
    drop: () =>
      (dropped ??= withAdminClient(adminUrl, async (c) => {
        try {
          await retryWhileInUse(() => c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)}`));
        } catch (error) {
          if ((error as { code?: string }).code === OBJECT_IN_USE) {
            throw new Error(`Cannot drop test database ${name}: a connection is still open. End pools (app.close()) before drop().`, {
              cause: error,
            });
          }
          throw error;
        }
      })),
  };
}

/**
 * PostgreSQL already waits up to 5 s for other sessions to leave before raising 55006; a pool
 * that was just ended may still have a backend exiting, so try a few more times.
 */
async function retryWhileInUse<T>(fn: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if ((error as { code?: string }).code !== OBJECT_IN_USE || attempt >= attempts) throw error;
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
}
