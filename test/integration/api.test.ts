import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allQuestions } from '../../server/domain/definition.js';
import { openApiDocument } from '../../server/routes/api/openapi.js';
import { hashIdempotencyKey } from '../../server/private-links.js';
import { startTestApp, type TestApp } from '../support/app.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t?.close());

async function createResponse(body: object = { assessmentId: 'ai-native-maturity' }, headers: Record<string, string> = {}) {
  return t.app.inject({ method: 'POST', url: '/api/responses', payload: body, headers });
}

async function newToken(): Promise<string> {
  return (await createResponse()).json().token;
}

const put = (token: string, checkpointId: string, payload: unknown) =>
  t.app.inject({ method: 'PUT', url: `/api/responses/${token}/answers/${checkpointId}`, payload: payload as object });

describe('assessments', () => {
  it('lists the published assessments with their versions', async () => {
    const response = await t.app.inject({ url: '/api/assessments' });
    expect(response.statusCode).toBe(200);
    const ids = response.json().assessments.map((a: { id: string; versions: number[] }) => `${a.id}@${a.versions.join(',')}`);
    expect(ids).toEqual(['ai-native-maturity@2,1', 'delivery-bottleneck-check@2,1']);
  });

  it('gets a definition, newest or by version, and 404s an unknown one', async () => {
    const latest = await t.app.inject({ url: '/api/assessments/ai-native-maturity' });
    const v2 = await t.app.inject({ url: '/api/assessments/ai-native-maturity/versions/2' });
    const v1 = await t.app.inject({ url: '/api/assessments/ai-native-maturity/versions/1' });
    expect(latest.json()).toEqual(v2.json());
    expect(v1.json()).toMatchObject({ version: 1 });
    expect(v2.json()).toMatchObject({ version: 2, previousVersion: 1 });
    expect(v1.json().phases).toHaveLength(3);
    const missing = await t.app.inject({ url: '/api/assessments/ai-native-maturity/versions/9' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error).toMatchObject({ status: 404, code: 'not_found' });
  });
});

describe('responses and answers', () => {
  it('creates a response with a private token and links', async () => {
    const response = await createResponse();
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(body.links.diagnostic).toBe(`/api/responses/${body.token}/diagnostic`);
  });

  it('a retried create with the same Idempotency-Key returns the same response, stored once', async () => {
    const key = '2b1f2c7e-5a0b-4f53-9d5e-1f7c2a9e8b10';
    const first = await createResponse(undefined, { 'idempotency-key': key });
    const retry = await createResponse(undefined, { 'idempotency-key': key });
    expect(first.statusCode).toBe(201);
    expect(retry.statusCode).toBe(200);
    expect(retry.json().token).toBe(first.json().token);
    const { count } = await t.app.db
      .selectFrom('responses')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where('creation_key', '=', hashIdempotencyKey(key))
      .executeTakeFirstOrThrow();
    expect(Number(count)).toBe(1);
    const reused = await createResponse({ assessmentId: 'delivery-bottleneck-check' }, { 'idempotency-key': key });
    expect(reused.statusCode).toBe(409);
  });

  it.each([
    ['an unknown assessment', { assessmentId: 'nope' }, {}, 422, 'assessmentId'],
    ['an unknown version', { assessmentId: 'ai-native-maturity', version: 7 }, {}, 422, 'version'],
    ['a missing assessment id', {}, {}, 400, 'assessmentId'],
    ['an unexpected field', { assessmentId: 'ai-native-maturity', admin: true }, {}, 400, '(body)'],
    ['an Idempotency-Key that is not a random UUID', { assessmentId: 'ai-native-maturity' }, { 'idempotency-key': 'aaaaaaaaaaaaaaaaaaaa' }, 400, 'header.idempotency-key'],
  ])('refuses %s with a structured error naming the field', async (_case, body, headers, status, field) => {
    const response = await createResponse(body, headers);
    expect(response.statusCode).toBe(status);
    expect(response.json().error.issues.map((i: { field: string }) => i.field)).toContain(field);
  });

  it('refuses a body that is not JSON with a structured 4xx', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/responses',
      payload: '{"assessmentId":',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toBe('The request body is not valid JSON.');
  });

  it('putting the same answer twice stores one answer; a new value replaces it', async () => {
    const token = await newToken();
    for (let i = 0; i < 2; i++) {
      const saved = await put(token, 'lead-direction', { answer: 2, evidence: 'Strategy memo, March' });
      expect(saved.statusCode).toBe(200);
      expect(saved.json()).toEqual({ checkpointId: 'lead-direction', answer: 2, evidence: 'Strategy memo, March' });
    }
    await put(token, 'lead-direction', { answer: 'na' });
    const answers = await t.app.inject({ url: `/api/responses/${token}/answers` });
    expect(answers.json().answers).toEqual([{ checkpointId: 'lead-direction', answer: 'na', evidence: 'Strategy memo, March' }]);
  });

  it.each([
    ['a value off the scale', { answer: 5 }, 422, 'answer'],
    ['a word that is not an answer', { answer: 'maybe' }, 400, 'answer'],
    ['an empty body', {}, 400, '(body)'],
    ['an evidence note that is too long', { evidence: 'x'.repeat(2001) }, 400, 'evidence'],
    ['a note that is not text', { evidence: 42 }, 400, 'evidence'],
  ])('refuses %s with the field at fault', async (_case, body, status, field) => {
    const token = await newToken();
    const response = await put(token, 'lead-direction', body);
    expect(response.statusCode).toBe(status);
    expect(response.json().error.issues.map((i: { field: string }) => i.field)).toContain(field);
  });

  it('stores notes with plain line breaks and without NUL characters', async () => {
    const token = await newToken();
    const saved = await put(token, 'lead-direction', { evidence: 'line one\r\nline two\u0000' });
    expect(saved.statusCode).toBe(200);
    expect(saved.json().evidence).toBe('line one\nline two');
  });

  it('404s an unknown checkpoint and an unknown token alike', async () => {
    const token = await newToken();
    expect((await put(token, 'no-such-checkpoint', { answer: 1 })).statusCode).toBe(404);
    expect((await put('A'.repeat(43), 'lead-direction', { answer: 1 })).statusCode).toBe(404);
    expect((await t.app.inject({ url: `/api/responses/${'A'.repeat(43)}/diagnostic` })).statusCode).toBe(404);
  });

  it('returns the diagnostic for the answers so far', async () => {
    const token = await newToken();
    const definition = t.app.assessments.latestOf('ai-native-maturity')!;
    const phase = definition.phases[0]!;
    for (const p of phase.prerequisites) await put(token, p.id, { answer: 1 });
    for (const g of phase.execution) for (const c of g.checkpoints) await put(token, c.id, { answer: 4 });
    const response = await t.app.inject({ url: `/api/responses/${token}/diagnostic` });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.phases.map((p: { status: string }) => p.status)).toEqual(['theater', 'not_started', 'not_started']);
    expect(body.constraint).toMatchObject({ phaseId: phase.id, part: 'prerequisites' });
    expect(body.nextSteps[0].checkpointId).toBe(body.constraint.weakest[0].checkpointId);
    expect(body.stageReached).toBe(0);
  });

  it('exports a response as CSV, one row per checkpoint', async () => {
    const token = await newToken();
    await put(token, 'lead-direction', { answer: 'dontknow' });
    const csv = await t.app.inject({ url: `/api/responses/${token}/export.csv` });
    expect(csv.statusCode).toBe(200);
    const lines = csv.body.trim().split('\r\n');
    expect(lines).toHaveLength(1 + allQuestions(t.app.assessments.latestOf('ai-native-maturity')!).length);
    expect(lines.find((l) => l.includes('"lead-direction"'))).toContain('"dont_know"');
  });
});

describe('the OpenAPI document', () => {
  it('is served and documents every /api route the app has', async () => {
    const served = await t.app.inject({ url: '/api/openapi.json' });
    expect(served.statusCode).toBe(200);
    const doc = served.json();
    expect(doc.openapi).toBe('3.1.0');
    const documented = Object.entries(doc.paths as Record<string, object>).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    for (const entry of documented) {
      const [method, path] = entry.split(' ') as [string, string];
      const url = path.replace(/\{(\w+)\}/g, ':$1');
      expect(t.app.hasRoute({ method: method as 'GET', url }), entry).toBe(true);
    }
    const expected = [
      'GET /api/assessments',
      'GET /api/assessments/{assessmentId}',
      'GET /api/assessments/{assessmentId}/versions/{version}',
      'POST /api/responses',
      'GET /api/responses/{token}',
      'GET /api/responses/{token}/answers',
      'PUT /api/responses/{token}/answers/{checkpointId}',
      'GET /api/responses/{token}/diagnostic',
      'GET /api/responses/{token}/export.csv',
      'GET /api/organisations/{organisationId}/rounds',
      'GET /api/organisations/{organisationId}/rounds/{roundId}/results',
      'GET /api/organisations/{organisationId}/rounds/{roundId}/answers.csv',
      'GET /api/organisations/{organisationId}/rounds/{roundId}/answers.json',
    ];
    expect(documented.sort()).toEqual(expected.sort());
    expect(openApiDocument()).toEqual(doc);
  });
});
