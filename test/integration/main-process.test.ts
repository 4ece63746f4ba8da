import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { freePort, startAppProcess, waitForReady } from '../support/processes.js';

/** The process `npm start` runs: configuration, start-up, and shutdown on SIGTERM. */

describe('start-up configuration', () => {
  it('a bad value stops start-up with a message naming the variable', async () => {
    const app = startAppProcess({ PORT: 'eighty', DATABASE_URL: 'mysql://x' });
    expect(await app.exited).toBe(1);
    expect(app.output()).toContain('Invalid configuration:');
    expect(app.output()).toMatch(/PORT: .*number/);
    expect(app.output()).toContain('DATABASE_URL: must be a postgres:// or postgresql:// URL');
  }, 60_000);
});

describe('on a real PostgreSQL (DATABASE_URL)', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database?.drop());

  it('serves, then on SIGTERM finishes and exits 0', async () => {
    const port = await freePort();
    const app = startAppProcess({ PORT: String(port), DATABASE_URL: database.url });
    await waitForReady(app, `http://127.0.0.1:${port}/readyz`);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
    expect(app.output()).toContain('shutting down');
  }, 90_000);
});

describe('on the embedded database (no DATABASE_URL)', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'stallpoint-embedded-'));
  });
  afterAll(async () => rm(dataDir, { recursive: true, force: true }));

  it('starts with migrations applied, and keeps confirmed answers across a crash and restart', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env = { PORT: String(port), DATA_DIR: dataDir };

    const first = startAppProcess(env);
    await waitForReady(first, `${base}/readyz`, 90_000);
    const created = await fetch(`${base}/api/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ assessmentId: 'ai-native-maturity' }),
    });
    expect(created.status).toBe(201);
    const { token } = (await created.json()) as { token: string };
    const saved = await fetch(`${base}/api/responses/${token}/answers/lead-direction`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ answer: 3 }),
    });
    expect(saved.status).toBe(200);
    expect(first.output()).toContain('fsync=off'); // said out loud: fine for trying, not for production
    // A crash, not a clean stop: an answer the server confirmed must still be there.
    first.child.kill('SIGKILL');
    await first.exited;

    const second = startAppProcess(env);
    await waitForReady(second, `${base}/readyz`, 90_000);
    // A second process on the same folder would corrupt it: it is refused, the first keeps serving.
    const intruder = startAppProcess({ PORT: String(await freePort()), DATA_DIR: dataDir });
    expect(await intruder.exited).toBe(1);
    expect(intruder.output()).toContain('is in use by another Stallpoint process');
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const answers = await fetch(`${base}/api/responses/${token}/answers`);
    expect(((await answers.json()) as { answers: unknown[] }).answers).toEqual([
      { checkpointId: 'lead-direction', answer: 3, evidence: null },
    ]);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 240_000); // two cold starts of PGlite (WASM) on a busy 2-core machine
});
