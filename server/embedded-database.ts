import { mkdir, mkdtemp, rm } from 'node:fs/promises';
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

export async function startEmbeddedDatabase(dataDir: string): Promise<EmbeddedDatabase> {
  await mkdir(dataDir, { recursive: true });
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
    },
  };
}
