import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { databaseUrl, withAdminClient } from '../support/postgres.js';
import { freePort, repoRoot, startAppProcess, waitForReady } from '../support/processes.js';

/** What `npm start` runs: the TypeScript built once to dist/, then plain Node on the JavaScript. */

const run = promisify(execFile);
const name = `stallpoint_built_${process.pid}`;

beforeAll(async () => {
  await withAdminClient(inject('postgres').adminUrl, (c) => c.query(`create database ${name}`));
});
afterAll(async () => {
  await withAdminClient(inject('postgres').adminUrl, (c) => c.query(`drop database if exists ${name}`));
});

describe('npm start', () => {
  it('runs the built JavaScript: migrations from dist/, pages with their views and static files', async () => {
    const pkg = (await import('../../package.json', { with: { type: 'json' } })).default as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toMatch(/^npm run build --silent && node dist\/server\/main\.js$/);
    await run('npm', ['run', 'build', '--silent'], { cwd: repoRoot });

    const port = await freePort();
    const app = startAppProcess({ PORT: String(port), DATABASE_URL: databaseUrl(inject('postgres').adminUrl, name) }, ['dist/server/main.js']);
    try {
      await waitForReady(app, `http://127.0.0.1:${port}/readyz`);
      const home = await fetch(`http://127.0.0.1:${port}/`);
      expect(home.status).toBe(200);
      expect(await home.text()).toContain('/static/css/app.css');
      expect((await fetch(`http://127.0.0.1:${port}/static/css/app.css`)).status).toBe(200);
      expect(app.output()).toContain('20261130_0700_server_revisions');
      expect(app.output()).not.toContain('tsx');
    } finally {
      app.child.kill('SIGTERM');
      expect(await app.exited).toBe(0);
    }
  }, 180_000);
});
