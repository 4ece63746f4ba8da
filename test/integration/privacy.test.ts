import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { redactPrivateTokens } from '../../server/logging.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { Visitor } from '../support/app.js';

let database: TestDatabase;
let app: FastifyInstance;
const logs: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  const stream = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  app = await buildApp({
    config: loadConfig({ NODE_ENV: 'test' }),
    database: { connectionString: database.url, poolMax: 2, migrate: false },
    logger: { level: 'info', stream },
  });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await database?.drop();
});

describe('private links stay private', () => {
  it('never appear in the request log', async () => {
    const visitor = new Visitor(app);
    const path = await visitor.startAssessment();
    const token = path.split('/').at(-1)!;
    await visitor.get(`${path}/results`);
    await app.inject({ url: `/api/responses/${token}/diagnostic` });
    const all = logs.join('');
    expect(all).toContain('/r/<token>/results');
    expect(all).toContain('/api/responses/<token>/diagnostic');
    expect(all).not.toContain(token);
  });

  it.each([
    ['/r/abc/phases/x?y=1', '/r/<token>/phases/x?y=1'],
    ['/api/responses/abc', '/api/responses/<token>'],
    ['/api/assessments/x', '/api/assessments/x'],
  ])('redacts %s as %s', (url, expected) => {
    expect(redactPrivateTokens(url)).toBe(expected);
  });

  it('every page carries a strict CSP and sends no referrer', async () => {
    const response = await app.inject({ url: '/' });
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });
});
