/**
 * vitest globalSetup: one PostgreSQL server for the whole run (see postgres.ts) and one migrated
 * template database. Test files clone the template with createTestDatabase() (database.ts).
 */
import { randomBytes } from 'node:crypto';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrateToLatest } from '../../server/data/migrate.js';
import { databaseUrl, startTestPostgres, withAdminClient } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: { adminUrl: string; template: string };
  }
}

export default async function setup({ provide }: TestProject): Promise<() => Promise<void>> {
  const started = performance.now();
  const server = await startTestPostgres();
  const external = Boolean(process.env.DATABASE_URL);
  const template = `stallpoint_template_${randomBytes(6).toString('hex')}`;
  try {
    await withAdminClient(server.adminUrl, (c) => c.query(`CREATE DATABASE ${c.escapeIdentifier(template)}`));

    const pool = new pg.Pool({ connectionString: databaseUrl(server.adminUrl, template), max: 1 });
    pool.on('error', () => {});
    const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
    try {
      await migrateToLatest(db);
    } finally {
      await db.destroy(); // ends the pool
    }
    // Nobody may connect to the template afterwards: a stray connection would make every
    // CREATE DATABASE … TEMPLATE fail with "source database is being accessed by other users".
    await withAdminClient(server.adminUrl, (c) =>
      c.query(`ALTER DATABASE ${c.escapeIdentifier(template)} WITH ALLOW_CONNECTIONS false`),
    );
  } catch (error) {
    await dropTemplate(server.adminUrl, template, external).catch(() => {});
    await server.stop();
    throw error;
  }
  if (process.env.STALLPOINT_TEST_TIMINGS) {
    console.log(`[test postgres] server + migrated template ready in ${Math.round(performance.now() - started)} ms`);
  }

  provide('postgres', { adminUrl: server.adminUrl, template });

  return async () => {
    const stopping = performance.now();
    try {
      await dropTemplate(server.adminUrl, template, external);
    } finally {
      await server.stop();
    }
    if (process.env.STALLPOINT_TEST_TIMINGS) {
      console.log(`[test postgres] stopped in ${Math.round(performance.now() - stopping)} ms`);
    }
  };
}

/** On a throwaway server the template goes with the data folder; on DATABASE_URL, drop it. */
async function dropTemplate(adminUrl: string, template: string, external: boolean): Promise<void> {
  if (!external) return;
  await withAdminClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(template)}`));
}
