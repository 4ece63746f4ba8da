import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinMissLimits } from '../../server/routes/workshops/join.js';
import { startTestApp, Visitor, type TestApp } from '../support/app.js';

/** Wrong join codes: per client, counted atomically; nobody else's guessing stops a room. */

let t: TestApp;
let code: string;
let n = 10;
const nextAddress = () => `203.0.113.${n++}`;

beforeAll(async () => {
  t = await startTestApp();
  const coach = new Visitor(t.app, nextAddress());
  await coach.get('/sign-up');
  await coach.post('/sign-up', {
    displayName: 'Coach',
    email: 'coach@example.com',
    password: 'a long enough password',
    confirmPassword: 'a long enough password',
  });
  const definition = t.app.assessments.latestOf('ai-native-maturity')!;
  await coach.get('/coach/workshops/new');
  const created = await coach.post('/coach/workshops', {
    title: 'Limits',
    assessment: `${definition.id}@${definition.version}`,
    roles: ['leader', 'team_member'],
    minimum: '5',
  });
  const page = await coach.get(created.headers.location!);
  code = /class="join-code"[^>]*>([A-Z0-9-]+)</.exec(page.body)![1]!.replace('-', '');
});
afterAll(async () => t?.close());

const max = joinMissLimits.perClient.max;
const wrong = (i: number) => `ZZZZZ${String(i).padStart(5, '2').replace(/[01]/g, '9')}`;

describe('join code limits', () => {
  it(`${max * 5} wrong codes at once from one address: exactly ${max} are told “no such code”, the rest 429`, async () => {
    const visitor = new Visitor(t.app, nextAddress());
    await visitor.get('/join');
    const statuses = await Promise.all(Array.from({ length: max * 5 }, (_, i) => visitor.post('/join', { code: wrong(i) }).then((r) => r.statusCode)));
    expect(statuses.filter((s) => s === 404)).toHaveLength(max);
    expect(statuses.filter((s) => s === 429)).toHaveLength(max * 4);
  });

  it('strangers guessing from many addresses do not stop anyone else joining with the right code', async () => {
    for (let a = 0; a < 16; a++) {
      const stranger = new Visitor(t.app, nextAddress());
      await stranger.get('/join');
      for (let i = 0; i < max + 5; i++) await stranger.post('/join', { code: wrong(i) });
    }
    const person = new Visitor(t.app, nextAddress());
    await person.get('/join');
    const typed = await person.post('/join', { code });
    expect(typed.statusCode).toBe(303);
    expect((await person.get(`/j/${code}`)).statusCode).toBe(200);
    expect((await person.post(`/j/${code}`, { role: 'leader' })).statusCode).toBe(303);
  });

  it('right codes never count: a room behind one address joins, and its own wrong codes are counted exactly', async () => {
    const shared = nextAddress();
    const first = new Visitor(t.app, shared);
    await first.get('/join');
    for (let i = 0; i < max - 1; i++) expect((await first.post('/join', { code: wrong(i) })).statusCode).toBe(404);
    const joins = await Promise.all(
      Array.from({ length: 30 }, async () => {
        const person = new Visitor(t.app, shared);
        await person.get(`/j/${code}`);
        return (await person.post(`/j/${code}`, { role: 'team_member' })).statusCode;
      }),
    );
    expect(joins.every((s) => s === 303)).toBe(true);
    expect((await first.post('/join', { code: wrong(98) })).statusCode).toBe(404);
    const limited = await first.post('/join', { code: wrong(99) });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
    expect((await first.get(`/j/${code}`)).statusCode).toBe(429);
  });
});
