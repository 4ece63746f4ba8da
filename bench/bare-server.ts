/**
 * The bench's baseline: the least a Fastify 5 + pg route can do to store one answer. One
 * single-row upsert per request, committed before it answers "Saved" (autocommit, so the
 * commit waits for the WAL flush exactly as the app's autosave does).
 *
 * Run by bench/run.ts as its own process: `node --import tsx bench/bare-server.ts`
 * with PORT, DATABASE_URL (and optionally HOST, DB_POOL_MAX) in the environment.
 */
import fastifyFormbody from '@fastify/formbody';
import Fastify from 'fastify';
import pg from 'pg';

const port = Number(process.env.PORT ?? 0);
const host = process.env.HOST ?? '127.0.0.1';
const connectionString = process.env.DATABASE_URL;
if (!connectionString) {
  console.error('bare-server: DATABASE_URL is required');
  process.exit(1);
}

const pool = new pg.Pool({
  connectionString,
  max: Number(process.env.DB_POOL_MAX ?? 10),
  connectionTimeoutMillis: 5_000,
  idleTimeoutMillis: 30_000,
});
// Without this handler an idle client's error (PostgreSQL going away) kills the process.
pool.on('error', (error) => console.error('bare-server: idle PostgreSQL connection lost:', error.message));

const app = Fastify({ logger: false });
await app.register(fastifyFormbody);

const upsert = `insert into bench_answers (response_id, checkpoint_id, value) values ($1, $2, $3)
  on conflict (response_id, checkpoint_id) do update set value = excluded.value, updated_at = now()`;

app.post<{ Params: { id: string; key: string }; Body: { value?: string } }>('/bare/:id/:key', async (request, reply) => {
  const value = Number(request.body?.value);
  if (!Number.isInteger(value) || value < 0 || value > 4) {
    return reply.status(422).type('text/plain; charset=utf-8').send('value must be 0..4');
  }
  await pool.query(upsert, [request.params.id, request.params.key, value]);
  return reply.type('text/plain; charset=utf-8').send('Saved');
});

app.get('/readyz', async (_request, reply) => {
  try {
    await pool.query('select 1');
    return { status: 'ready' };
  } catch {
    return reply.status(503).send({ status: 'unavailable' });
  }
});

let closing = false;
async function shutdown() {
  if (closing) return;
  closing = true;
  try {
    await app.close();
    await pool.end();
    process.exit(0);
  } catch (error) {
    console.error('bare-server: shutdown failed:', error);
    process.exit(1);
  }
}
process.once('SIGTERM', () => void shutdown());
process.once('SIGINT', () => void shutdown());

await app.listen({ port, host });
