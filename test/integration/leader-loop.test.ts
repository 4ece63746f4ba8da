import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phaseQuestions, type Definition } from '../../server/domain/definition.js';
import { diagnosticJsonSchema } from '../../server/routes/api/schemas.js';
import { startTestApp, Visitor, type TestApp } from '../support/app.js';

/**
 * The leader's loop on a private link: results that say what to answer when nothing is rated,
 * next steps recorded as actions, a retake next quarter, and what moved since (v1 → v2 included).
 */

let t: TestApp;
let v1: Definition;
let v2: Definition;

beforeAll(async () => {
  t = await startTestApp();
  v1 = t.app.assessments.get('ai-native-maturity', 1)!;
  v2 = t.app.assessments.get('ai-native-maturity', 2)!;
});
afterAll(async () => t?.close());

async function start(visitor: Visitor, version: number): Promise<string> {
  await visitor.get('/');
  const response = await visitor.post('/start', { assessment: 'ai-native-maturity', version: String(version) });
  expect(response.statusCode).toBe(303);
  return response.headers.location!.toString().replace(/\/start$/, '');
}

/** Answer phase 1 of a definition: prerequisites and execution each at one value. */
async function answerPhaseOne(visitor: Visitor, path: string, definition: Definition, prerequisites: string, execution: string) {
  const phase = definition.phases[0]!;
  await visitor.get(`${path}/phases/${phase.id}`);
  const form: Record<string, string> = { intent: 'save' };
  for (const q of phaseQuestions(phase, 0)) {
    form[`answer:${q.id}`] = q.part === 'prerequisites' ? prerequisites : q.part === 'execution' ? execution : 'flat';
  }
  const saved = await visitor.post(`${path}/phases/${phase.id}`, form);
  expect(saved.statusCode).toBe(303);
}

describe('results with nothing rated', () => {
  it('say there is nothing to diagnose and what to answer, with no stage and no constraint', async () => {
    const visitor = new Visitor(t.app);
    const path = await start(visitor, 2);
    const phase = v2.phases[0]!;
    await visitor.get(`${path}/phases/${phase.id}`);
    const form: Record<string, string> = { intent: 'save' };
    for (const q of phaseQuestions(phase, 0)) if (q.part !== 'outcomes') form[`answer:${q.id}`] = 'na';
    await visitor.post(`${path}/phases/${phase.id}`, form);
    const results = await visitor.get(`${path}/results`);
    expect(results.body).toContain('Nothing to diagnose yet');
    expect(results.body).toContain(`href="${path}/phases/${phase.id}"`);
    expect(results.body).not.toContain('<h2>Stage reached</h2>');
    expect(results.body).not.toContain('<h2>Principal constraint</h2>');
    const token = path.split('/').at(-1);
    const api = await t.app.inject({ url: `/api/responses/${token}/diagnostic` });
    expect(api.json()).toMatchObject({ verdict: 'no_evidence', stageReached: null, constraint: null, nextSteps: [] });
  });
});

describe('next steps become actions', () => {
  it('records a step with owner and due quarter, once per checkpoint however often it is sent', async () => {
    const visitor = new Visitor(t.app);
    const path = await start(visitor, 2);
    await answerPhaseOne(visitor, path, v2, '0', '4');
    const results = await visitor.get(`${path}/results`);
    expect(results.body).toContain('Record this as an action');
    const first = v2.phases[0]!.prerequisites[0]!;
    const quarter = results.body.match(/<option value="(\d{4}-Q[1-4])"/)![1]!;
    const form = { checkpoint: first.id, description: 'Write the one-page direction', owner: 'VP Engineering', due: quarter };
    const [a, b] = await Promise.all([visitor.post(`${path}/actions`, form), visitor.post(`${path}/actions`, form)]);
    expect([a.statusCode, b.statusCode]).toEqual([303, 303]);
    const after = await visitor.get(`${path}/results`);
    expect(after.body.match(/<p>Write the one-page direction<\/p>/g)).toHaveLength(1);
    expect(after.body).toContain(`Owner: VP Engineering · due by the end of ${quarter}`);
    expect(after.body).toContain('Action recorded: change it');
  });

  it('a refused action comes back with what was typed and the reason (422), never a 500', async () => {
    const visitor = new Visitor(t.app);
    const path = await start(visitor, 2);
    await answerPhaseOne(visitor, path, v2, '0', '4');
    await visitor.get(`${path}/results`);
    const checkpoint = v2.phases[0]!.prerequisites[0]!.id;
    for (const due of ['9999-Q4', '0000-Q1', 'next year']) {
      const refused = await visitor.post(`${path}/actions`, { checkpoint, description: 'Typed with care', owner: 'Me', due });
      expect(refused.statusCode).toBe(422);
      expect(refused.body).toContain('Typed with care');
      expect(refused.body).toContain('Choose a quarter from');
    }
    const empty = await visitor.post(`${path}/actions`, { checkpoint, description: '  ', owner: 'Me\u0000', due: '2027-Q1' });
    expect(empty.statusCode).toBe(422);
    expect(empty.body).toContain('Write something here.');
    const unknown = await visitor.post(`${path}/actions`, { checkpoint: 'no-such-thing', description: 'x', owner: 'y', due: '2027-Q1' });
    expect(unknown.statusCode).toBe(404);
  });

  it('refuses an action without a CSRF token, and removes one on request', async () => {
    const visitor = new Visitor(t.app);
    const path = await start(visitor, 2);
    await answerPhaseOne(visitor, path, v2, '0', '4');
    const page = await visitor.get(`${path}/results`);
    const quarter = page.body.match(/<option value="(\d{4}-Q[1-4])"/)![1]!;
    const checkpoint = v2.phases[0]!.prerequisites[0]!.id;
    const forged = await t.app.inject({
      method: 'POST',
      url: `${path}/actions`,
      payload: new URLSearchParams({ checkpoint, description: 'x', owner: 'y', due: quarter }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(forged.statusCode).toBe(403);
    await visitor.post(`${path}/actions`, { checkpoint, description: 'Keep me briefly', owner: 'Me', due: quarter });
    expect((await visitor.get(`${path}/results`)).body).toContain('Keep me briefly');
    const removed = await visitor.post(`${path}/actions/${checkpoint}/delete`, {});
    expect(removed.statusCode).toBe(303);
    expect((await visitor.get(`${path}/results`)).body).not.toContain('Keep me briefly');
  });
});

describe('taking it again next quarter', () => {
  it('creates one linked response however often it is asked, and compares v1 with v2 on equivalent checkpoints only', async () => {
    const visitor = new Visitor(t.app);
    const path = await start(visitor, 1);
    await answerPhaseOne(visitor, path, v1, '0', '2');
    const page = await visitor.get(`${path}/results`);
    const quarter = page.body.match(/<option value="(\d{4}-Q[1-4])"/)![1]!;
    // An action on a checkpoint that v2 keeps (lead-direction, unchanged) and one it splits (mgr-backing).
    await visitor.post(`${path}/actions`, { checkpoint: 'lead-direction', description: 'Write the direction', owner: 'CTO', due: quarter });
    await visitor.post(`${path}/actions`, { checkpoint: 'mgr-backing', description: 'Back the managers', owner: 'CTO', due: quarter });

    const [first, second] = await Promise.all([visitor.post(`${path}/retake`, {}), visitor.post(`${path}/retake`, {})]);
    expect(first.statusCode).toBe(303);
    expect(second.headers.location).toBe(first.headers.location);
    const retakePath = first.headers.location!.toString().replace(/\/start$/, '');
    expect(retakePath).not.toBe(path);
    const { count } = await t.app.db
      .selectFrom('responses')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where('previous_response_id', 'is not', null)
      .executeTakeFirstOrThrow();
    expect(Number(count)).toBe(1);

    // The earlier page now leads to the newer one.
    expect((await visitor.get(`${path}/results`)).body).toContain(`href="${retakePath}"`);

    // The retake is on v2: direction now in place, execution up.
    await answerPhaseOne(visitor, retakePath, v2, '4', '3');
    const results = await visitor.get(`${retakePath}/results`);
    expect(results.body).toContain('What moved since');
    expect(results.body).toContain('Version break');
    expect(results.body).toMatch(/<span class="movement movement-moved">Moved up<\/span> Our organisation has a written direction/);
    expect(results.body).toMatch(/<span class="movement movement-cant_tell">Can’t tell<\/span> Engineering managers and tech leads have explicit backing/);
  });

  it('is not offered to a workshop participant (their response belongs to the workshop)', async () => {
    const visitor = new Visitor(t.app);
    const path = await start(visitor, 2);
    const page = await visitor.get(`${path}/results`);
    expect(page.body).toContain('Take it again now');
    const unknown = await visitor.post(`/r/${'x'.repeat(43)}/retake`, {});
    expect(unknown.statusCode).toBe(404);
  });
});

describe('the diagnostic API carries the new fields', () => {
  it('owner, next constraint, flags, theater reasons and phase labels', async () => {
    const visitor = new Visitor(t.app);
    const path = await start(visitor, 2);
    await answerPhaseOne(visitor, path, v2, '0', '4');
    const token = path.split('/').at(-1);
    const body = (await t.app.inject({ url: `/api/responses/${token}/diagnostic` })).json();
    expect(body.constraint).toMatchObject({ phaseNumber: 1, part: 'prerequisites', reason: 'missing' });
    expect(body.constraint.weakest[0]).toMatchObject({ owner: 'leadership', state: 'missing' });
    expect(body.nextSteps[0]).toMatchObject({ kind: 'act', owner: 'leadership' });
    expect(body.nextSteps[0].done).toBeTruthy();
    expect(body.nextSteps[0].question).toBeTruthy();
    expect(body.phases[0]).toMatchObject({ status: 'theater', counted: true });
    expect(body.phases[0].theater.aheadOf.length).toBeGreaterThan(0);
    expect(body.nextConstraint).not.toBeNull();
    expect(Array.isArray(body.flags)).toBe(true);
    // The OpenAPI document describes exactly this shape.
    expect(diagnosticJsonSchema.strict().safeParse(body).error).toBeUndefined();
  });

  it('takes an outcome signal as a direction and refuses a scale point for it', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/responses', payload: { assessmentId: 'ai-native-maturity' } });
    const token = response.json().token;
    const outcome = v2.phases.flatMap((p) => p.outcomes ?? [])[0]!;
    const ok = await t.app.inject({ method: 'PUT', url: `/api/responses/${token}/answers/${outcome.id}`, payload: { answer: 'worse' } });
    expect(ok.json()).toMatchObject({ checkpointId: outcome.id, answer: 'worse' });
    const refused = await t.app.inject({ method: 'PUT', url: `/api/responses/${token}/answers/${outcome.id}`, payload: { answer: 3 } });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.issues[0].message).toContain('"worse"');
  });
});
