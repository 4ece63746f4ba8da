import path from 'node:path';
import { z } from 'zod';
import { projectRoot } from './project-root.js';

const root = projectRoot;

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' })
    .optional(),
  DATABASE_READ_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' })
    .optional(),
  DATA_DIR: z.string().min(1).default(path.join(root, 'data')),
  PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
    .transform((u) => u.replace(/\/+$/, ''))
    .optional(),
  COOKIE_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  TRUST_PROXY: z.coerce.number().int().min(0).max(5).default(0),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  /** A real PostgreSQL server; when absent, the embedded database in `dataDir` is used. */
  databaseUrl: string | undefined;
  /** A read replica for dashboards and exports; when absent, they read the primary. */
  databaseReadUrl: string | undefined;
  dataDir: string;
  /** The address people reach the app at (for links shown to copy); defaults to the request's own. */
  publicUrl: string | undefined;
  /** Signs cookies. When absent, one is generated once and kept in the database. */
  cookieSecret: string | undefined;
  dbPoolMax: number;
  /** Number of trusted proxy hops in front of the app (0: clients connect directly). */
  trustProxy: number;
  logLevel: string;
  assessmentsDir: string;
  /** Rate limit for the anonymous "start an assessment" route, per client per minute. */
  startsPerMinute: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return Object.freeze({
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    databaseReadUrl: e.DATABASE_READ_URL,
    dataDir: path.resolve(e.DATA_DIR),
    publicUrl: e.PUBLIC_URL,
    cookieSecret: e.COOKIE_SECRET,
    dbPoolMax: e.DB_POOL_MAX,
    trustProxy: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
    assessmentsDir: path.join(root, 'assessments'),
    startsPerMinute: 30,
  });
}
