import type { Pool } from 'pg';

/**
 * A store for @fastify/rate-limit that keeps its counters in PostgreSQL, so a
 * limit holds across every app process behind the load balancer (the plugin's
 * own store counts per process). One upsert per limited request.
 */
type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;

const incrementSql = `
  insert into rate_limits (key, count, expires_at)
  values ($1, 1, now() + make_interval(secs => $2::double precision / 1000))
  on conflict (key) do update set
    count = case when rate_limits.expires_at <= now() then 1 else rate_limits.count + 1 end,
    expires_at = case when rate_limits.expires_at <= now() then excluded.expires_at else rate_limits.expires_at end
  returning count, greatest(0, ceil(extract(epoch from (expires_at - now())) * 1000))::bigint as ttl`;

const readSql = `
  select count, greatest(0, ceil(extract(epoch from (expires_at - now())) * 1000))::bigint as ttl
  from rate_limits where key = $1 and expires_at > now()`;

export function postgresRateLimitStore(pool: Pool) {
  return class PostgresRateLimitStore {
    private readonly prefix: string;

    /** The plugin passes its options here; children pass their route's prefix. */
    constructor(prefix?: unknown) {
      this.prefix = typeof prefix === 'string' ? prefix : 'global:';
    }

    incr(key: string, cb: Callback, timeWindow: number): void {
      pool.query<{ count: number; ttl: string }>(incrementSql, [this.prefix + key, timeWindow]).then(
        (r) => cb(null, { current: r.rows[0]!.count, ttl: Number(r.rows[0]!.ttl) }),
        (error: Error) => cb(error),
      );
    }

    read(key: string, cb: Callback): void {
      pool.query<{ count: number; ttl: string }>(readSql, [this.prefix + key]).then(
        (r) => cb(null, r.rows[0] ? { current: r.rows[0].count, ttl: Number(r.rows[0].ttl) } : { current: 0, ttl: 0 }),
        (error: Error) => cb(error),
      );
    }

    /** Each route (or app.createRateLimit) counts in its own key space. */
    child(routeOptions: object): PostgresRateLimitStore {
      const route = (routeOptions as { routeInfo?: { method?: string; url?: string } }).routeInfo;
      return new PostgresRateLimitStore(route ? `${route.method} ${route.url}:` : `${this.prefix}custom:`);
    }
  };
}

export async function deleteExpiredRateLimits(pool: Pool): Promise<void> {
  await pool.query('delete from rate_limits where expires_at <= now()');
}

/**
 * Count one attempt against `key` and say whether it is within `max` for the window: counted and
 * compared in one statement, so parallel attempts each see their own count (none is compared
 * with a count read before the others were added).
 */
export async function takeAttempt(
  pool: Pool,
  key: string,
  limit: { max: number; timeWindow: number },
): Promise<{ allowed: boolean; retryAfterSeconds: number }> {
  const { rows } = await pool.query<{ count: number; ttl: string }>(incrementSql, [key, limit.timeWindow]);
  const row = rows[0]!;
  return { allowed: row.count <= limit.max, retryAfterSeconds: Math.max(1, Math.ceil(Number(row.ttl) / 1000)) };
}

/** How many attempts `key` has used in its current window (0 when none). */
export async function attemptsUsed(pool: Pool, key: string): Promise<{ count: number; retryAfterSeconds: number }> {
  const { rows } = await pool.query<{ count: number; ttl: string }>(readSql, [key]);
  const row = rows[0];
  return { count: row?.count ?? 0, retryAfterSeconds: Math.max(1, Math.ceil(Number(row?.ttl ?? 0) / 1000)) };
}

/** Give back an attempt that turned out not to count (e.g. the right password). */
export async function refundAttempt(pool: Pool, key: string): Promise<void> {
  await pool.query('update rate_limits set count = count - 1 where key = $1 and count > 0 and expires_at > now()', [key]);
}
