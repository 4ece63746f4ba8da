import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../server/app.js';
import { loadConfig, type Config } from '../../server/config.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { freePort } from './processes.js';

export interface TestApp {
  app: FastifyInstance;
  database: TestDatabase;
  config: Config;
  close(): Promise<void>;
}

/** The real app on its own migrated PostgreSQL database; `close()` ends the pool, then drops it. */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...env });
  const app = await buildApp({
    config,
    database: { connectionString: database.url, poolMax: 4, migrate: false },
    logger: false,
  });
  await app.ready();
  return {
    app,
    database,
    config,
    async close() {
      await app.close();
      await database.drop();
    },
  };
}

/**
 * A browser-like client for `app.inject`: keeps cookies, finds the CSRF token
 * in the last page it loaded, and follows nothing on its own.
 */
export class Visitor {
  private cookies = new Map<string, string>();
  csrfToken = '';

  constructor(
    private readonly app: FastifyInstance,
    /** The client's address, for rate limits. */
    private readonly remoteAddress = '127.0.0.1',
  ) {}

  private remember(response: LightMyRequestResponse) {
    for (const cookie of response.cookies) this.cookies.set(cookie.name, cookie.value);
    const token = /name="_csrf" value="([^"]+)"/.exec(response.body) ?? /"x-csrf-token": "([^"]+)"/.exec(response.body);
    if (token) this.csrfToken = token[1]!;
    return response;
  }

  private cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async get(url: string, headers: Record<string, string> = {}) {
    return this.remember(await this.app.inject({ method: 'GET', url, remoteAddress: this.remoteAddress, headers: { cookie: this.cookieHeader(), ...headers } }));
  }

  /** A form post (urlencoded), with the page's CSRF token unless `_csrf` is given. */
  async post(url: string, form: Record<string, string | readonly string[]> = {}, headers: Record<string, string> = {}) {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries({ _csrf: this.csrfToken, ...form })) {
      for (const one of typeof value === 'string' ? [value] : value) params.append(name, one);
    }
    const body = params.toString();
    return this.remember(
      await this.app.inject({
        method: 'POST',
        url,
        remoteAddress: this.remoteAddress,
        payload: body,
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: this.cookieHeader(), ...headers },
      }),
    );
  }

  /** What htmx sends for an autosave: the token in a header, only the checkpoint's fields. */
  async autosave(url: string, fields: Record<string, string>) {
    return this.app.inject({
      method: 'POST',
      url,
      remoteAddress: this.remoteAddress,
      payload: new URLSearchParams(fields).toString(),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: this.cookieHeader(),
        'x-csrf-token': this.csrfToken,
        'hx-request': 'true',
      },
    });
  }

  /** Start an assessment from the home page; returns the private path "/r/<token>". */
  async startAssessment(assessment = 'ai-native-maturity'): Promise<string> {
    await this.get('/');
    const response = await this.post('/start', { assessment });
    if (response.statusCode !== 303) throw new Error(`start failed: ${response.statusCode} ${response.body}`);
    return response.headers.location!.toString().replace(/\/start$/, '');
  }
}

/** The real app listening on a free loopback port (for browsers): `base` is its address. */
export async function startServedApp(): Promise<TestApp & { base: string }> {
  const served = await startTestApp();
  const port = await freePort();
  await served.app.listen({ port, host: '127.0.0.1' });
  return { ...served, base: `http://127.0.0.1:${port}` };
}
