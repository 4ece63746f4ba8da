import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { withAdminClient } from '../support/postgres.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database?.drop());

/** Build the app with its log lines captured. */
async function appWithLogs(connectionString: string, env: Record<string, string> = {}) {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).trim().split('\n')) lines.push(JSON.parse(line));
      done();
    },
  });
  const config = loadConfig({ NODE_ENV: 'test', ...env });
  const app = await buildApp({
    config,
    database: { connectionString, poolMax: 3, migrate: false },
    logger: { level: 'warn', stream },
  });
  await app.ready();
  return { app, lines };
}

describe('when PostgreSQL drops the app’s connections (as in a server restart)', () => {
  it('the app survives and serves again on fresh connections', async () => {
    const { app, lines } = await appWithLogs(database.url);
    try {
      // Fill the pool with idle connections.
      await Promise.all([1, 2, 3].map(() => app.inject({ url: '/readyz' })));
      const terminated = await withAdminClient(inject('postgres').adminUrl, async (c) => {
        const result = await c.query(
          'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
          [database.name],
        );
        return result.rowCount;
      });
      expect(terminated).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 200));
      expect(lines.some((l) => l.msg.includes('idle PostgreSQL connection lost'))).toBe(true);
      const ready = await app.inject({ url: '/readyz' });
      expect(ready.statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe('durability settings', () => {
  it('warns at start-up when synchronous_commit is off', async () => {
    const url = new URL(database.url);
    url.searchParams.set('options', '-c synchronous_commit=off');
    const { app, lines } = await appWithLogs(url.toString());
    await app.close();
    expect(lines.find((l) => l.msg.includes('synchronous_commit=off'))?.level).toBe(40);
  });

  it('does not warn when it is on', async () => {
    const { app, lines } = await appWithLogs(database.url);
    await app.close();
    expect(lines.some((l) => l.msg.includes('synchronous_commit'))).toBe(false);
  });
});

describe('PUBLIC_URL', () => {
  it('in production, start-up warns when it is not set (links to keep would follow the Host header)', async () => {
    const { app, lines } = await appWithLogs(database.url, { NODE_ENV: 'production', COOKIE_SECRET: 'x'.repeat(32) });
    await app.close();
    expect(lines.find((l) => l.msg.includes('PUBLIC_URL is not set'))?.level).toBe(40);
  });

  it('does not warn when it is set', async () => {
    const { app, lines } = await appWithLogs(database.url, {
      NODE_ENV: 'production',
      COOKIE_SECRET: 'x'.repeat(32),
      PUBLIC_URL: 'https://stallpoint.example',
    });
    await app.close();
    expect(lines.some((l) => l.msg.includes('PUBLIC_URL'))).toBe(false);
  });
});
