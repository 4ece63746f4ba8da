import fastifyPostgres from '@fastify/postgres';
import fp from 'fastify-plugin';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from '../data/database.js';
import { migrateToLatest } from '../data/migrate.js';
import type { DirectPg } from '../data/responses.js';

declare module 'fastify' {
  interface FastifyInstance {
    db: Kysely<Database>;
    /**
     * For reads that may lag the primary by a moment: dashboards (heatmap, team pages, the actions
     * board) and exports. A read replica when DATABASE_READ_URL is set; otherwise the primary's `db`.
     */
    readDb: Kysely<Database>;
    /** The pool itself, for the one hot-path statement that bypasses the query builder. */
    directPg: DirectPg;
  }
}

export interface DatabaseOptions {
  connectionString: string;
  /** 1 for the embedded database (one session); more for a real server. */
  poolMax: number;
  /** Apply pending migrations before the app serves (default true). */
  migrate?: boolean;
  /** Allow named prepared statements (not with the embedded database; default true). */
  namedStatements?: boolean;
  /** A read replica for dashboards and exports (default: the primary). */
  readConnectionString?: string;
}

/**
 * `@fastify/postgres` owns the pg pool (and ends it on close); Kysely is handed
 * that pool and never destroyed, so the pool is ended exactly once.
 */
export default fp<DatabaseOptions>(
  async (app, options) => {
    await app.register(fastifyPostgres, {
      connectionString: options.connectionString,
      max: options.poolMax,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
    });
    // Without this handler, an idle client's error (PostgreSQL restarting) kills the process.
    app.pg.pool.on('error', (error) => app.log.warn({ err: error }, 'idle PostgreSQL connection lost; the pool will reconnect'));
    // A client checked out of the pool (a query or transaction in flight) emits 'error' on itself
    // when its connection dies; with no listener that kills the process. The query in flight
    // rejects on its own (the request gets a 503) and the pool discards the broken client.
    app.pg.pool.on('connect', (client) => {
      client.on('error', (error) => app.log.warn({ err: error }, 'PostgreSQL connection lost while in use; the pool will reconnect'));
    });

    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: app.pg.pool }) });
    app.decorate('db', db);
    if (options.readConnectionString) {
      const readPool = new pg.Pool({
        connectionString: options.readConnectionString,
        max: options.poolMax,
        connectionTimeoutMillis: 5_000,
        idleTimeoutMillis: 30_000,
      });
      readPool.on('error', (error) => app.log.warn({ err: error }, 'idle read-replica connection lost; the pool will reconnect'));
      // This pool is ours alone, so Kysely may end it.
      const readDb = new Kysely<Database>({ dialect: new PostgresDialect({ pool: readPool }) });
      app.decorate('readDb', readDb);
      app.addHook('onClose', async () => readDb.destroy());
    } else {
      app.decorate('readDb', db);
    }
    app.decorate('directPg', { pool: app.pg.pool, namedStatements: options.namedStatements !== false });

    if (options.migrate !== false) {
      const applied = await migrateToLatest(db);
      for (const r of applied) app.log.info({ migration: r.migrationName, status: r.status }, 'migration');
    }

    const { rows } = await sql<{ synchronous_commit: string; fsync: string }>`
      select current_setting('synchronous_commit') as synchronous_commit, current_setting('fsync') as fsync`.execute(db);
    if (rows[0]?.synchronous_commit === 'off') {
      app.log.warn(
        'PostgreSQL runs with synchronous_commit=off: a crash can lose answers the app has already confirmed. Turn it on in production.',
      );
    }
    if (rows[0]?.fsync === 'off') {
      app.log.warn(
        'PostgreSQL runs with fsync=off: a power loss or OS crash can lose confirmed answers. The embedded database always does; use DATABASE_URL with a real PostgreSQL server in production.',
      );
    }
  },
  { name: 'database' },
);
