import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/**
 * The embedded PostgreSQL for `npm start`: PGlite persisted to a folder, served
 * on a private unix socket so the app keeps one code path (pg → Kysely) whether
 * it runs embedded or against a real server. PGlite has one session, so the
 * socket server takes one connection and the app's pool must use max 1.
 */
export interface EmbeddedDatabase {
  connectionString: string;
  stop(): Promise<void>;
}

const PORT = 5432;

/**
 * One process per data folder: a second PGlite on the same files corrupts them (seen here: the
 * folder would not open again). The lock names the holder; a lock left by a process that no longer
 * runs (a crash) is taken over.
 */
async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const lock = path.join(dataDir, 'stallpoint.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(lock, String(process.pid), { flag: 'wx' });
      return () => rm(lock, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isRunning(holder)) {
        throw new Error(
          `The embedded database in ${dataDir} is in use by another Stallpoint process (pid ${holder}). Stop it first, or set DATA_DIR to another folder.`,
        );
      }
      await rm(lock, { force: true }); // stale: its process is gone
    }
  }
  throw new Error(`Could not lock ${dataDir} for the embedded database.`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function startEmbeddedDatabase(dataDir: string): Promise<EmbeddedDatabase> {
  await mkdir(dataDir, { recursive: true });
  const unlock = await lockDataDir(dataDir);
  const db = await PGlite.create({ dataDir: path.join(dataDir, 'pglite') });
  const socketDir = await mkdtemp(path.join(os.tmpdir(), 'stallpoint-'));
  const server = new PGLiteSocketServer({ db, path: path.join(socketDir, `.s.PGSQL.${PORT}`), maxConnections: 1 });
  await server.start();
  return {
    connectionString: `postgresql://postgres@/postgres?host=${encodeURIComponent(socketDir)}&port=${PORT}`,
    async stop() {
      await server.stop();
      await db.close();
      await rm(socketDir, { recursive: true, force: true });
      await unlock();
    },
  };
}
