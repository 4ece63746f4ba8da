import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../server/data/migrate.js';
import { databaseUrl, startRestartablePostgres, withAdminClient, type RestartablePostgres } from '../support/postgres.js';
import { freePort, startAppProcess, waitForReady, type AppProcess } from '../support/processes.js';

/**
 * PostgreSQL restarts (a fast shutdown, then a crash-like immediate one) while an app process is
 * saving under load: the process must survive, requests during the outage get 503 (never a 500
 * or a dropped connection), /readyz says so, and saves work again once PostgreSQL is back.
 * This file has a PostgreSQL server of its own, so no other test file sees the restarts.
 */

let server: RestartablePostgres;
let app: AppProcess;
let base: string;

beforeAll(async () => {
  server = await startRestartablePostgres();
  await withAdminClient(server.adminUrl, (c) => c.query('create database stallpoint'));
  const url = databaseUrl(server.adminUrl, 'stallpoint');
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  pool.on('error', () => {});
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
  await migrateToLatest(db);
  await db.destroy();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  app = startAppProcess({ PORT: String(port), DATABASE_URL: url, DB_POOL_MAX: '10', LOG_LEVEL: 'warn' });
  await waitForReady(app, `${base}/readyz`);
}, 120_000);

afterAll(async () => {
  if (app && app.child.exitCode === null) {
    app.child.kill('SIGTERM');
    await app.exited;
  }
  await server?.stop();
});

type Outcome = number | 'reset';

async function request(path: string, init?: RequestInit): Promise<{ status: Outcome; body: string; headers?: Headers }> {
  try {
    const response = await fetch(`${base}${path}`, init);
    return { status: response.status, body: await response.text(), headers: response.headers };
  } catch {
    return { status: 'reset', body: '' };
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll until `check` holds, at most `attempts` times `everyMs` (a bound, not a timing assertion). */
async function eventually(check: () => Promise<boolean>, attempts = 300, everyMs = 50): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < attempts; i++) {
    if (await check()) return performance.now() - started;
    await sleep(everyMs);
  }
  throw new Error('condition not reached');
}

interface Worker {
  token: string;
  /** Per checkpoint: the value last acknowledged, and values sent since without an acknowledgement. */
  acked: Map<string, number>;
  pending: Map<string, number[]>;
}

describe('PostgreSQL restarting under autosave load', () => {
  it('keeps the app process alive, answers 503 meanwhile, and serves again when PostgreSQL is back', async () => {
    const definition = (await (await fetch(`${base}/api/assessments/ai-native-maturity`)).json()) as {
      phases: { prerequisites: { id: string }[]; execution: { checkpoints: { id: string }[] }[] }[];
    };
    const checkpoints = definition.phases.flatMap((p) => [
      ...p.prerequisites.map((c) => c.id),
      ...p.execution.flatMap((g) => g.checkpoints.map((c) => c.id)),
    ]);
    const workers: Worker[] = [];
    for (let i = 0; i < 20; i++) {
      const created = await fetch(`${base}/api/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ assessmentId: 'ai-native-maturity' }),
      });
      expect(created.status).toBe(201);
      workers.push({ token: ((await created.json()) as { token: string }).token, acked: new Map(), pending: new Map() });
    }

    const statuses = new Map<Outcome, number>();
    let stop = false;
    let saved = 0;
    const loops = workers.map(async (worker, w) => {
      for (let n = 0; !stop; n++) {
        const checkpoint = checkpoints[(w * 7 + n) % checkpoints.length]!;
        const value = n % 5;
        worker.pending.set(checkpoint, [...(worker.pending.get(checkpoint) ?? []), value]);
        const { status } = await request(`/api/responses/${worker.token}/answers/${checkpoint}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ answer: value }),
        });
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status === 200) {
          worker.acked.set(checkpoint, value);
          worker.pending.delete(checkpoint);
          saved++;
        } else {
          await sleep(20);
        }
      }
    });

    const outage = async (mode: 'fast' | 'immediate') => {
      const before = saved;
      await eventually(async () => saved >= before + 200);
      await server.halt(mode);
      // While PostgreSQL is down: the app says so, as a page and as JSON.
      await eventually(async () => (await request('/readyz')).status === 503);
      const page = await request(`/r/${workers[0]!.token}/start`);
      expect(page.status).toBe(503);
      expect(page.headers?.get('content-type')).toContain('text/html');
      expect(page.headers?.get('content-security-policy')).toContain("default-src 'self'");
      expect(page.body).toContain('cannot reach its database');
      const api = await request(`/api/responses/${workers[0]!.token}/answers`);
      expect(api.status).toBe(503);
      expect(JSON.parse(api.body).error.code).toBe('database_unavailable');
      await server.resume();
      const back = await eventually(async () => (await request('/readyz')).status === 200);
      console.log(`[restart ${mode}] ready again ${Math.round(back)} ms after PostgreSQL accepted connections`);
      const resumed = saved;
      await eventually(async () => saved >= resumed + 100);
    };

    try {
      await outage('fast');
      await outage('immediate');
    } finally {
      stop = true;
      await Promise.all(loops);
    }

    expect(app.child.exitCode).toBeNull();
    expect(app.output()).not.toMatch(/Unhandled 'error' event|uncaught/i);
    // Every request got an answer: saved, or "unavailable, try again". Never a 500 or a reset.
    expect([...statuses.keys()].sort()).toEqual([200, 503]);

    // No acknowledged answer was lost: each stored value is the last acknowledged one, or one
    // sent later whose reply was lost in the outage.
    for (const worker of workers) {
      const { answers } = (await (await fetch(`${base}/api/responses/${worker.token}/answers`)).json()) as {
        answers: { checkpointId: string; answer: number }[];
      };
      const stored = new Map(answers.map((a) => [a.checkpointId, a.answer]));
      for (const [checkpoint, value] of worker.acked) {
        expect([value, ...(worker.pending.get(checkpoint) ?? [])]).toContain(stored.get(checkpoint));
      }
    }
  }, 180_000);
});
