import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phaseCheckpoints, phaseQuestions, type Definition } from '../../server/domain/definition.js';
import { startTestApp, Visitor, type TestApp } from '../support/app.js';

let t: TestApp;
let definition: Definition;

beforeAll(async () => {
  t = await startTestApp();
  definition = t.app.assessments.latestOf('ai-native-maturity')!;
});
afterAll(async () => t?.close());

const phaseIds = (index: number) => phaseCheckpoints(definition.phases[index]!, index).map((c) => c.id);

async function storedAnswers(privatePath: string) {
  const token = privatePath.split('/').at(-1)!;
  const response = await t.app.inject({ url: `/api/responses/${token}/answers` });
  return response.json().answers as { checkpointId: string; answer: unknown; evidence: string | null }[];
}

describe('a leader takes the self-assessment', () => {
  it('the home page says what Stallpoint tells you and offers every assessment', async () => {
    const response = await new Visitor(t.app).get('/');
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Find where your AI adoption is stalling');
    expect(response.body).toContain('name="assessment" value="ai-native-maturity"');
    expect(response.body).toContain('name="assessment" value="delivery-bottleneck-check"');
  });

  it('starting gives an unguessable private link that the start page asks to keep', async () => {
    const visitor = new Visitor(t.app);
    const path = await visitor.startAssessment();
    expect(path).toMatch(/^\/r\/[A-Za-z0-9_-]{43}$/); // 256 random bits
    const start = await visitor.get(`${path}/start`);
    expect(start.statusCode).toBe(200);
    expect(start.headers['cache-control']).toBe('no-store');
    expect(start.body).toContain('Keep your private link');
    expect(start.body).toContain(`value="http://localhost:80${path}"`);
  });

  it('refuses to start without the form’s CSRF token', async () => {
    const visitor = new Visitor(t.app);
    await visitor.get('/');
    const response = await visitor.post('/start', { assessment: 'ai-native-maturity', _csrf: 'forged' });
    expect(response.statusCode).toBe(403);
    expect(response.body).toContain('This form had expired or came from another site');
  });

  it('each phase page is a labelled form with every checkpoint and the three non-answers', async () => {
    const visitor = new Visitor(t.app);
    const path = await visitor.startAssessment();
    const page = await visitor.get(`${path}/phases/${definition.phases[0]!.id}`);
    expect(page.statusCode).toBe(200);
    for (const id of phaseIds(0)) {
      expect(page.body).toContain(`<fieldset class="checkpoint" id="cp-${id}"`);
      for (const value of ['0', '4', 'dontknow', 'na']) {
        expect(page.body).toContain(`<label class="option option-`);
        expect(page.body).toContain(`id="cp-${id}-${value}" name="answer:${id}" value="${value}"`);
      }
      expect(page.body).toContain(`<label for="ev-${id}">`);
    }
  });

  it('autosaves one answer; the same request twice stores one answer; a change amends it', async () => {
    const visitor = new Visitor(t.app);
    const path = await visitor.startAssessment();
    await visitor.get(`${path}/phases/${definition.phases[0]!.id}`);
    const [first] = phaseIds(0);
    const url = `${path}/checkpoints/${first}`;
    for (let i = 0; i < 2; i++) {
      const saved = await visitor.autosave(url, { [`answer:${first}`]: '3' });
      expect(saved.statusCode).toBe(200);
      expect(saved.body).toContain('Saved');
    }
    expect(await storedAnswers(path)).toEqual([{ checkpointId: first, answer: 3, evidence: null }]);
    await visitor.autosave(url, { [`answer:${first}`]: 'dontknow', [`evidence:${first}`]: 'Asked two EMs' });
    expect(await storedAnswers(path)).toEqual([{ checkpointId: first, answer: 'dontknow', evidence: 'Asked two EMs' }]);
  });

  it('a plain form post always applies, over what an autosave stored', async () => {
    const visitor = new Visitor(t.app);
    const path = await visitor.startAssessment();
    const phasePath = `${path}/phases/${definition.phases[0]!.id}`;
    await visitor.get(phasePath);
    const [first] = phaseIds(0);
    const url = `${path}/checkpoints/${first}`;
    await visitor.autosave(url, { [`answer:${first}`]: '3', [`evidence:${first}`]: 'newer', answer_rev: '0', note_rev: '0' });
    expect(await storedAnswers(path)).toEqual([{ checkpointId: first, answer: 3, evidence: 'newer' }]);
    await visitor.post(phasePath, { [`answer:${first}`]: '0', [`evidence:${first}`]: '', intent: 'save' });
    expect(await storedAnswers(path)).toEqual([{ checkpointId: first, answer: 0, evidence: null }]);
  });

  it('an autosave with a value off the scale answers 422 with a message, and stores nothing', async () => {
    const visitor = new Visitor(t.app);
    const path = await visitor.startAssessment();
    await visitor.get(`${path}/phases/${definition.phases[0]!.id}`);
    const [first] = phaseIds(0);
    const response = await visitor.autosave(`${path}/checkpoints/${first}`, { [`answer:${first}`]: '9' });
    expect(response.statusCode).toBe(422);
    expect(response.body).toContain('Choose one of the options listed.');
    expect(await storedAnswers(path)).toEqual([]);
  });

  it('an autosave without the CSRF header is refused', async () => {
    const visitor = new Visitor(t.app);
    const path = await visitor.startAssessment();
    const [first] = phaseIds(0);
    visitor.csrfToken = 'nope';
    const response = await visitor.autosave(`${path}/checkpoints/${first}`, { [`answer:${first}`]: '2' });
    expect(response.statusCode).toBe(403);
    expect(await storedAnswers(path)).toEqual([]);
  });

  it('without JavaScript, a phase form saves on submit and moves to the next phase', async () => {
    const visitor = new Visitor(t.app);
    const path = await visitor.startAssessment();
    await visitor.get(`${path}/phases/${definition.phases[0]!.id}`);
    const form = Object.fromEntries(phaseIds(0).map((id) => [`answer:${id}`, '2']));
    const response = await visitor.post(`${path}/phases/${definition.phases[0]!.id}`, { ...form, intent: 'next' });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe(`${path}/phases/${definition.phases[1]!.id}`);
    expect((await storedAnswers(path)).map((a) => a.checkpointId).sort()).toEqual([...phaseIds(0)].sort());
  });

  it('a form with a bad value comes back 422 with every entered value kept and the user text escaped', async () => {
    const visitor = new Visitor(t.app);
    const path = await visitor.startAssessment();
    const phasePath = `${path}/phases/${definition.phases[0]!.id}`;
    await visitor.get(phasePath);
    const [a, b, c] = phaseIds(0);
    const response = await visitor.post(phasePath, {
      [`answer:${a}`]: '4',
      [`answer:${b}`]: 'seven',
      [`answer:${c}`]: 'na',
      [`evidence:${a}`]: '<script>alert(1)</script> & more',
    });
    expect(response.statusCode).toBe(422);
    expect(response.body).toContain('Some answers could not be saved');
    expect(response.body).toContain(`href="#cp-${b}">Choose one of the options listed.`);
    expect(response.body).toMatch(new RegExp(`id="cp-${a}-4" name="answer:${a}" value="4" checked`));
    expect(response.body).toMatch(new RegExp(`id="cp-${c}-na" name="answer:${c}" value="na" checked`));
    expect(response.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; more</textarea>');
    expect(response.body).not.toContain('<script>alert(1)</script>');
    expect(await storedAnswers(path)).toEqual([]);
  });

  it('a note of exactly the limit, with browser line breaks and a NUL, is stored cleanly', async () => {
    const visitor = new Visitor(t.app);
    const path = await visitor.startAssessment();
    await visitor.get(`${path}/phases/${definition.phases[0]!.id}`);
    const [first] = phaseIds(0);
    const note = `${'x'.repeat(1000)}\r\n${'y'.repeat(998)}\u0000`; // 2,000 characters once "\r\n" is "\n"
    const response = await visitor.post(`${path}/phases/${definition.phases[0]!.id}`, { [`evidence:${first}`]: note, intent: 'save' });
    expect(response.statusCode).toBe(303);
    const [stored] = await storedAnswers(path);
    expect(stored!.evidence).toBe(`${'x'.repeat(1000)}\n${'y'.repeat(998)}`);
  });

  it('a phase form whose CSRF token has expired comes back with everything entered, and nothing saved', async () => {
    const visitor = new Visitor(t.app);
    const path = await visitor.startAssessment();
    const phasePath = `${path}/phases/${definition.phases[0]!.id}`;
    await visitor.get(phasePath);
    const [a, b] = phaseIds(0);
    const response = await visitor.post(phasePath, {
      _csrf: 'expired',
      [`answer:${a}`]: '3',
      [`evidence:${b}`]: 'Our notes & links',
    });
    expect(response.statusCode).toBe(403);
    expect(response.body).toContain('the page had expired');
    expect(response.body).toMatch(new RegExp(`id="cp-${a}-3" name="answer:${a}" value="3" checked`));
    expect(response.body).toContain('Our notes &amp; links</textarea>');
    expect(await storedAnswers(path)).toEqual([]);
    // The re-rendered page carries a fresh token that works.
    const retry = await visitor.post(phasePath, { [`answer:${a}`]: '3', intent: 'save' });
    expect(retry.statusCode).toBe(303);
    expect(retry.headers.location).toBe(`${phasePath}?saved=1`);
    expect((await visitor.get(retry.headers.location!)).body).toContain('Your answers on this page are saved.');
  });

  it('returning to the private link resumes where the leader was', async () => {
    const visitor = new Visitor(t.app);
    const path = await visitor.startAssessment();
    const fresh = await visitor.get(path);
    expect(fresh.statusCode).toBe(303);
    expect(fresh.headers.location).toBe(`${path}/start`);
    await visitor.get(`${path}/phases/${definition.phases[1]!.id}`);
    const resumed = await new Visitor(t.app).get(path); // another browser, same link
    expect(resumed.statusCode).toBe(303);
    expect(resumed.headers.location).toBe(`${path}/phases/${definition.phases[1]!.id}`);
  });

  it('the review step lists what is unanswered, with links to it', async () => {
    const visitor = new Visitor(t.app);
    const path = await visitor.startAssessment();
    await visitor.get(`${path}/phases/${definition.phases[0]!.id}`);
    const [first, second] = phaseIds(0);
    await visitor.autosave(`${path}/checkpoints/${first}`, { [`answer:${first}`]: '1' });
    const review = await visitor.get(`${path}/review`);
    const total = definition.phases.reduce((n, p, i) => n + phaseQuestions(p, i).length, 0);
    expect(review.body).toContain(`You have answered 1 of ${total} checkpoints.`);
    expect(review.body).not.toContain(`#cp-${first}"`);
    expect(review.body).toContain(`href="${path}/phases/${definition.phases[0]!.id}#cp-${second}"`);
  });

  it('the results page shows stage, constraint, theater, a chart, next steps; private and amendable', async () => {
    const visitor = new Visitor(t.app);
    const path = await visitor.startAssessment();
    await visitor.get(`${path}/phases/${definition.phases[0]!.id}`);
    // Tools adopted without direction: prerequisites 1, execution 4.
    const form: Record<string, string> = {};
    for (const id of phaseIds(0)) {
      const isPrerequisite = definition.phases[0]!.prerequisites.some((p) => p.id === id);
      form[`answer:${id}`] = isPrerequisite ? '1' : '4';
    }
    await visitor.post(`${path}/phases/${definition.phases[0]!.id}`, form);
    const results = await visitor.get(`${path}/results`);
    expect(results.statusCode).toBe(200);
    expect(results.headers['cache-control']).toBe('no-store');
    expect(results.body).toContain('None yet');
    // Every prerequisite only started: all four missing, the first three named with what happens without the first.
    expect(results.body).toContain('In phase 1, Foundation, 4 prerequisites are missing: “' + definition.phases[0]!.prerequisites[0]!.statement.replace(/\.$/, ''));
    expect(results.body).toContain('Without them: ' + definition.phases[0]!.withoutPrerequisites);
    expect(results.body).toContain('Theater warning');
    expect(results.body).toContain(definition.phases[0]!.theaterSigns);
    expect(results.body).toMatch(/<canvas data-chart="\{&quot;type&quot;:&quot;phase-scores&quot;/);
    expect(results.body).toContain(definition.phases[0]!.prerequisites[0]!.guidance.firstStep);

    // Amend after seeing results: prerequisites now in place → phase 1 no longer theater.
    for (const p of definition.phases[0]!.prerequisites) form[`answer:${p.id}`] = '4';
    await visitor.post(`${path}/phases/${definition.phases[0]!.id}`, form);
    const amended = await visitor.get(`${path}/results`);
    expect(amended.body).not.toContain('Theater warning');
    expect(amended.body).toContain('<p class="big">1 of 3</p>');
  });

  it('exports the answers as CSV', async () => {
    const visitor = new Visitor(t.app);
    const path = await visitor.startAssessment();
    await visitor.get(`${path}/phases/${definition.phases[0]!.id}`);
    const [first] = phaseIds(0);
    await visitor.autosave(`${path}/checkpoints/${first}`, { [`answer:${first}`]: '0', [`evidence:${first}`]: '=HYPERLINK("x")' });
    const csv = await visitor.get(`${path}/export.csv`);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    const lines = csv.body.trim().split('\r\n');
    expect(lines).toHaveLength(1 + definition.phases.reduce((n, p, i) => n + phaseQuestions(p, i).length, 0));
    expect(lines[1]).toContain(`"${first}"`);
    expect(lines[1]).toContain(`"rating","0"`);
    expect(lines[1]).toContain(`"'=HYPERLINK(""x"")"`);
  });
});

describe('the private link protects the response', () => {
  const wrong = 'A'.repeat(43);

  it.each([
    ['a well-formed token that is not ours', `/r/${wrong}/results`],
    ['a malformed token', '/r/not-a-token/results'],
    ['a wrong token on the phase page', `/r/${wrong}/phases/foundation`],
    ['a wrong token on the export', `/r/${wrong}/export.csv`],
  ])('%s gets the same 404 as a page that does not exist', async (_case, url) => {
    const missing = await t.app.inject({ url: '/no/such/page' });
    const response = await t.app.inject({ url });
    expect(response.statusCode).toBe(404);
    expect(response.body).toBe(missing.body);
  });

  it('a wrong token cannot save answers, by autosave or by form', async () => {
    const visitor = new Visitor(t.app);
    const missing = await t.app.inject({ url: '/no/such/page' });
    await visitor.get('/');
    const autosave = await visitor.autosave(`/r/${wrong}/checkpoints/lead-direction`, { 'answer:lead-direction': '4' });
    expect(autosave.statusCode).toBe(404);
    const form = await visitor.post(`/r/${wrong}/phases/foundation`, { 'answer:lead-direction': '4' });
    expect(form.statusCode).toBe(404);
    expect(form.body).toBe(missing.body);
    const { count } = await t.app.db
      .selectFrom('answers')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .executeTakeFirstOrThrow();
    const before = Number(count);
    await visitor.post(`/r/${wrong}/phases/foundation`, { 'answer:lead-direction': '3' });
    const after = await t.app.db.selectFrom('answers').select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow();
    expect(Number(after.count)).toBe(before);
  });
});

describe('abuse limits', () => {
  it('starting assessments is rate-limited per client', async () => {
    const visitor = new Visitor(t.app, '203.0.113.7');
    await visitor.get('/');
    const statuses: number[] = [];
    for (let i = 0; i < t.config.startsPerMinute + 1; i++) {
      statuses.push((await visitor.post('/start', { assessment: 'delivery-bottleneck-check' })).statusCode);
    }
    expect(statuses.slice(0, -1).every((s) => s === 303)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    // Another client is not affected.
    const other = new Visitor(t.app, '203.0.113.8');
    await other.get('/');
    expect((await other.post('/start', { assessment: 'delivery-bottleneck-check' })).statusCode).toBe(303);
  });
});
