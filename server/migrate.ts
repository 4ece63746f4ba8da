// `npm run migrate`: apply pending migrations to DATABASE_URL, or to the embedded database.
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { loadConfig } from './config.js';
import { migrateToLatest } from './data/migrate.js';
import { startEmbeddedDatabase } from './embedded-database.js';

const config = loadConfig();
const embedded = config.databaseUrl ? undefined : await startEmbeddedDatabase(config.dataDir);
const db = new Kysely<unknown>({
  dialect: new PostgresDialect({
    pool: new pg.Pool({ connectionString: config.databaseUrl ?? embedded!.connectionString, max: 1 }),
  }),
});
try {
  const results = await migrateToLatest(db);
  if (results.length === 0) console.log('Database is up to date.');
  for (const r of results) console.log(`${r.status === 'Success' ? 'applied' : r.status}: ${r.migrationName}`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await db.destroy();
  await embedded?.stop();
}
