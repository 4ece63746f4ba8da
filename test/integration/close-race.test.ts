import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Definition } from '../../server/domain/definition.js';
import { phaseCheckpoints } from '../../server/domain/definition.js';
import { startTestApp, Visitor, type TestApp } from '../support/app.js';

/** Closing a workshop while its participants autosave: nothing is stored, or said "Saved", after it. */

let t: TestApp;
let definition: Definition;
let n = 10;
const nextAddress = () => `198.51.100.${n++}`;

beforeAll(async () => {
  t = await startTestApp();
  definition = t.app.assessments.latestOf('ai-native-maturity')!;
});
afterAll(async () => t?.close());

describe('closing a workshop during autosaves', () => {
  it('waits for saves in flight; no answer is stored after closed_at; no "Saved" for a save sent after the close returned', async () => {
    const owner = new Visitor(t.app, nextAddress());
    await owner.get('/sign-up');
    await owner.post('/sign-up', {
      displayName: 'Closer',
      email: 'closer@example.com',
      password: 'a long enough password',
      confirmPassword: 'a long enough password',
    });
    await owner.get('/coach/workshops/new');
    const created = await owner.post('/coach/workshops', {
      title: 'Closing time',
      assessment: `${definition.id}@${definition.version}`,
      roles: ['leader', 'team_member'],
      minimum: '5',
    });
    const path = created.headers.location!;
    const page = await owner.get(path);
    const code = /class="join-code"[^>]*>([A-Z0-9-]+)</.exec(page.body)![1]!.replace('-', '');

    const ids = definition.phases.flatMap((p, i) => phaseCheckpoints(p, i).map((c) => c.id));
    const people = [];
    for (let i = 0; i < 8; i++) {
      const visitor = new Visitor(t.app, nextAddress());
      await visitor.get(`/j/${code}`);
      const joined = await visitor.post(`/j/${code}`, { role: 'leader' });
      const privatePath = joined.headers.location!.replace(/\/start$/, '');
      await visitor.get(`${privatePath}/phases/${definition.phases[0]!.id}`);
      people.push({ visitor, privatePath });
    }

    let closeReturned = false;
    const acknowledged: { privatePath: string; id: string; afterClose: boolean }[] = [];
    const saving = people.map(async ({ visitor, privatePath }) => {
      for (const id of ids) {
        const sentAfterClose = closeReturned;
        const reply = await visitor.autosave(`${privatePath}/checkpoints/${id}`, { [`answer:${id}`]: '2' });
        if (reply.statusCode === 200) acknowledged.push({ privatePath, id, afterClose: sentAfterClose });
        else expect(reply.statusCode).toBe(409);
      }
    });
    // Close once saves are under way.
    while (acknowledged.length < 20) await new Promise((r) => setImmediate(r));
    const closed = await owner.post(`${path}/status`, { status: 'closed' });
    expect(closed.statusCode).toBe(303);
    closeReturned = true;
    await Promise.all(saving);

    expect(acknowledged.filter((a) => a.afterClose)).toEqual([]);
    const client = new pg.Client({ connectionString: t.database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ late: number; stored: number }>(
        `select count(*) filter (where a.updated_at > w.closed_at)::int as late, count(*)::int as stored
         from answers a join workshops w on w.id = a.workshop_id where w.title = 'Closing time'`,
      );
      expect(rows[0]!.late).toBe(0);
      // Every "Saved" is stored.
      expect(rows[0]!.stored).toBe(acknowledged.length);
    } finally {
      await client.end();
    }
  });
});
