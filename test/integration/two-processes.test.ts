import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { Visitor } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/** Two app instances on one database, as behind a load balancer: nothing may live in one process only. */
let database: TestDatabase;
let a: FastifyInstance;
let b: FastifyInstance;

const build = () =>
  buildApp({
    config: loadConfig({ NODE_ENV: 'test' }),
    database: { connectionString: database.url, poolMax: 3, migrate: false },
    logger: false,
  });

beforeAll(async () => {
  database = await createTestDatabase();
  a = await build();
  b = await build();
  await Promise.all([a.ready(), b.ready()]);
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await database?.drop();
});

/** A visitor whose requests alternate between the two processes, sharing one cookie jar. */
function onBoth(address: string) {
  const onA = new Visitor(a, address);
  const onB = new Visitor(b, address);
  (onB as unknown as { cookies: Map<string, string> }).cookies = (onA as unknown as { cookies: Map<string, string> }).cookies;
  return { onA, onB };
}

describe('two app processes on one database', () => {
  it('a session, a CSRF token and a workshop made on one process work on the other; the live view sees answers saved on either', async () => {
    const coach = onBoth('192.0.2.1');
    await coach.onA.get('/sign-up');
    await coach.onA.post('/sign-up', {
      displayName: 'Lee',
      email: 'lee@example.com',
      password: 'a long enough password',
      confirmPassword: 'a long enough password',
    });
    await coach.onB.get('/coach/workshops/new'); // session from A, page from B
    coach.onA.csrfToken = coach.onB.csrfToken;
    const created = await coach.onA.post('/coach/workshops', {
      title: 'Across processes',
      assessment: 'ai-native-maturity@1',
      roles: ['leader', 'team_member'],
      minimum: '3',
    });
    expect(created.statusCode).toBe(303);
    const page = await coach.onB.get(created.headers.location!);
    const code = /class="join-code"[^>]*>([A-Z0-9-]+)</.exec(page.body)![1]!.replace('-', '');

    for (let i = 0; i < 3; i++) {
      const p = onBoth(`192.0.2.${10 + i}`);
      await p.onA.get(`/j/${code}`);
      p.onB.csrfToken = p.onA.csrfToken;
      const joined = await p.onB.post(`/j/${code}`, { role: 'leader' });
      expect(joined.statusCode).toBe(303);
      const privatePath = joined.headers.location!.replace(/\/start$/, '');
      await p.onA.get(`${privatePath}/phases/foundation`);
      const via = i % 2 ? p.onA : p.onB;
      via.csrfToken = p.onA.csrfToken;
      expect((await via.autosave(`${privatePath}/checkpoints/lead-direction`, { 'answer:lead-direction': '3' })).statusCode).toBe(200);
    }
    const liveOnA = await coach.onA.get(`${created.headers.location}/live`);
    const liveOnB = await coach.onB.get(`${created.headers.location}/live`);
    expect(liveOnA.body).toContain('3</strong> answering');
    expect(liveOnB.body).toBe(liveOnA.body);
  });

  it('a rate limit counts requests on both processes together', async () => {
    const visitor = onBoth('192.0.2.99');
    await visitor.onA.get('/join');
    visitor.onB.csrfToken = visitor.onA.csrfToken;
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) {
      const via = i % 2 ? visitor.onA : visitor.onB;
      statuses.push((await via.post('/join', { code: 'ZZZZZZZZZZ' })).statusCode);
    }
    expect(statuses.slice(0, 20).every((s) => s === 404)).toBe(true);
    expect(statuses[20]).toBe(429);
  });
});
