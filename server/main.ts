import { buildApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './embedded-database.js';

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

const config = readConfig();
let embedded: EmbeddedDatabase | undefined;
if (!config.databaseUrl) {
  embedded = await startEmbeddedDatabase(config.dataDir);
}

const app = await buildApp({
  config,
  database: {
    connectionString: config.databaseUrl ?? embedded!.connectionString,
    // Dashboards and exports may read a replica; the embedded database has none.
    readConnectionString: embedded ? undefined : config.databaseReadUrl,
    // The embedded database has one session: one connection, always.
    poolMax: embedded ? 1 : config.dbPoolMax,
    namedStatements: !embedded,
  },
}).catch(async (error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  await embedded?.stop();
  process.exit(1);
});

let closing = false;
async function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  app.log.info({ signal }, 'shutting down: finishing requests in flight');
  try {
    await app.close();
    await embedded?.stop();
    process.exit(0);
  } catch (error) {
    app.log.error({ err: error }, 'shutdown failed');
    process.exit(1);
  }
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));

await app.listen({ port: config.port, host: config.host });
app.log.info(
  embedded ? `embedded PostgreSQL in ${config.dataDir}` : 'PostgreSQL from DATABASE_URL',
);
