import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Definition } from '../../server/domain/definition.js';
import { startTestApp, Visitor, type TestApp } from '../support/app.js';

let t: TestApp;
let definition: Definition;
let addressCounter = 10;
const nextAddress = () => `198.51.100.${addressCounter++}`;

beforeAll(async () => {
  t = await startTestApp();
  definition = t.app.assessments.latestOf('ai-native-maturity')!;
});
afterAll(async () => t?.close());

async function coach(name = 'Coach'): Promise<Visitor> {
  const visitor = new Visitor(t.app, nextAddress());
  await visitor.get('/sign-up');
  const response = await visitor.post('/sign-up', {
    displayName: name,
    email: `${name.toLowerCase().replace(/\W/g, '')}-${addressCounter}@example.com`,
    password: 'a long enough password',
    confirmPassword: 'a long enough password',
  });
  expect(response.statusCode, response.body).toBe(303);
  return visitor;
}

async function createWorkshop(owner: Visitor, fields: Record<string, string | string[]> = {}) {
  await owner.get('/coach/workshops/new');
  const created = await owner.post('/coach/workshops', {
    title: 'Platform team, Q4',
    assessment: `${definition.id}@${definition.version}`,
    roles: ['leader', 'team_member'],
    minimum: '5',
    expected: '8',
    ...fields,
  });
  expect(created.statusCode, created.body).toBe(303);
  const path = created.headers.location!;
  const page = await owner.get(path);
  const code = /class="join-code"[^>]*>([A-Z0-9-]+)</.exec(page.body)![1]!.replace('-', '');
  return { path, code, id: path.split('/').at(-1)! };
}

/** A participant joins by typing the code, picks a role, and answers phase 1 with `value` (prerequisites with `prerequisite`). */
async function participant(code: string, role: 'leader' | 'team_member') {
  const visitor = new Visitor(t.app, nextAddress());
  await visitor.get('/join');
  const typed = await visitor.post('/join', { code: code.toLowerCase() });
  expect(typed.statusCode).toBe(303);
  const form = await visitor.get(typed.headers.location!);
  const nonce = /name="nonce" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
  // A leader agrees to answer on the record where the workshop asks it (ignored elsewhere).
  const joined = await visitor.post(typed.headers.location!, { role, nonce, ...(role === 'leader' ? { onRecord: 'yes' } : {}) });
  expect(joined.statusCode, joined.body).toBe(303);
  const privatePath = joined.headers.location!.replace(/\/start$/, '');
  await visitor.get(`${privatePath}/phases/${definition.phases[0]!.id}`);
  return {
    visitor,
    privatePath,
    async answer(values: Record<string, string>) {
      for (const [id, value] of Object.entries(values)) {
        const saved = await visitor.autosave(`${privatePath}/checkpoints/${id}`, { [`answer:${id}`]: value });
        expect(saved.statusCode).toBe(200);
      }
    },
  };
}

const phase1 = () => definition.phases[0]!;
const prerequisiteIds = () => phase1().prerequisites.map((p) => p.id);
const executionIds = () => phase1().execution.flatMap((g) => g.checkpoints.map((c) => c.id));

function answersFor(prerequisite: string, execution: string): Record<string, string> {
  return Object.fromEntries([
    ...prerequisiteIds().map((id) => [id, prerequisite]),
    ...executionIds().map((id) => [id, execution]),
  ]);
}

const prefixed = (answers: Record<string, string>) =>
  Object.fromEntries(Object.entries(answers).map(([id, v]) => [`answer:${id}`, v]));

describe('a coach runs a workshop', () => {
  it('creates a workshop with a join code and QR code, listed on the coach home', async () => {
    const owner = await coach('Ada');
    const workshop = await createWorkshop(owner, { roles: 'team_member' });
    expect(workshop.code).toMatch(/^[A-Z2-9]{10}$/);
    const page = await owner.get(workshop.path);
    expect(page.body).toContain(`/j/${workshop.code}`);
    const qr = await owner.get(`${workshop.path}/qr.svg`);
    expect(qr.headers['content-type']).toContain('image/svg+xml');
    expect(qr.body).toContain('<svg');
    const home = await owner.get('/coach');
    expect(home.body).toContain('Platform team, Q4');
  });

  it('refuses a workshop form with bad values, keeping what was typed', async () => {
    const owner = await coach('Bea');
    await owner.get('/coach/workshops/new');
    const response = await owner.post('/coach/workshops', {
      title: 'Kept <title>',
      assessment: `${definition.id}@${definition.version}`,
      minimum: '2',
      expected: '',
    });
    expect(response.statusCode).toBe(422);
    expect(response.body).toContain('The minimum is never below 3.');
    expect(response.body).toContain('Offer at least one role.');
    expect(response.body).toContain('value="Kept &lt;title&gt;"');
  });

  it('the whole flow: join, answer, below threshold, live results, gap, queue, consensus, actions, reveal, close', async () => {
    const owner = await coach('Cleo');
    const both = await createWorkshop(owner, { minimum: '3', leadersOnRecord: 'yes' });
    const leaders = await Promise.all([participant(both.code, 'leader'), participant(both.code, 'leader'), participant(both.code, 'leader')]);
    const team = await Promise.all([participant(both.code, 'team_member'), participant(both.code, 'team_member')]);

    // Leaders see direction in place (4); the team does not (1). Execution splits the room.
    for (const l of leaders) await l.answer(answersFor('4', '4'));
    await team[0]!.answer(answersFor('1', '0'));

    // 4 answering, minimum 3: results show (the leaders, on the record); the team's one respondent waits.
    let live = await owner.get(`${both.path}/live`);
    expect(live.body).toContain('4</strong> answering');
    expect(live.body).toContain('Group diagnostic');
    expect((await owner.get(`${both.path}/live?section=discussion`)).body).toContain(
      'The leader and team comparison appears once a leader on the record and 3 team members have answered (now 3 and 0).',
    );
    expect(live.body).toContain('Newer answers from up to 1 person are waiting');

    await team[1]!.answer(answersFor('1', '0'));
    const third = await participant(both.code, 'team_member');
    await third.answer(answersFor('0', '1'));

    live = await owner.get(`${both.path}/live`);
    expect(live.body).toContain('6</strong> answering');
    const discussion = await owner.get(`${both.path}/live?section=discussion`);
    expect(discussion.body).toContain('Leaders and team: the perception gap');
    expect(discussion.body).toContain('<th scope="row">1. Foundation</th><td>100 / 17</td><td>83</td><td>100 / 8</td><td>92</td>');
    expect(discussion.body).toContain('Discussion queue');
    expect(discussion.body).toContain('Leaders see it as more in place than the team');
    expect(discussion.body).toMatch(/Leaders see it \d+ points higher/);
    expect(live.body).toContain('class="flag">split</strong>');
    // Every bar carries its share (a helper once shadowed the field and every meter said "–").
    expect(live.body).toMatch(/<meter min="0" max="100" value="\d+" aria-label="[^"]+: \d+ \(\d+%\)">/);
    expect(live.body).not.toContain('value="–"');

    // Consensus: the group agrees a 2 on the first prerequisite, with a dissent note.
    const [firstPrerequisite] = prerequisiteIds();
    await owner.get(both.path);
    const agreed = await owner.post(`${both.path}/consensus/${firstPrerequisite}`, { answer: '2', dissent: 'Two leads think it is a 1' });
    expect(agreed.statusCode).toBe(303);
    // Saving confirms what was agreed, in words, and keeps the item open.
    const confirmed = await owner.get(agreed.headers.location!.split('#')[0]!);
    expect(confirmed.body).toContain('Dissent noted: “Two leads think it is a 1”');
    expect(confirmed.body).toMatch(new RegExp(`id="agree-${firstPrerequisite!.replace(/\./g, '\\.')}" open`));
    const agreedView = await owner.get(`${both.path}/live?basis=agreed`);
    expect(agreedView.body).toContain('Group diagnostic (agreed answers)');
    const votesView = await owner.get(`${both.path}/live?basis=votes`);
    expect(votesView.body).toContain('Group diagnostic (individual votes)');
    expect(votesView.body).toContain('2: ');

    // Actions: a retried post records one action; a bad one comes back with its values.
    await owner.get(both.path);
    const action = { checkpoint: firstPrerequisite!, title: 'Write the AI direction memo', owner: 'VP Eng', due: '2027-Q1', key: 'k-1' };
    await owner.post(`${both.path}/actions`, action);
    await owner.post(`${both.path}/actions`, action);
    const page = await owner.get(`${both.path}/actions`);
    expect(page.body.match(/<p class="step-statement">Write the AI direction memo<\/p>/g)).toHaveLength(1);
    const bad = await owner.post(`${both.path}/actions`, { ...action, owner: '', key: 'k-2' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('Name who owns it.');
    expect(bad.body).toContain('value="Write the AI direction memo"');

    // Participants see the group only once revealed, and never individual answers.
    expect((await leaders[0]!.visitor.get(`${leaders[0]!.privatePath}/group`)).statusCode).toBe(404);
    await owner.post(`${both.path}/reveal`, { revealed: 'true' });
    const group = await leaders[0]!.visitor.get(`${leaders[0]!.privatePath}/group`);
    expect(group.statusCode).toBe(200);
    expect(group.body).toContain('Group results');
    expect(group.body).not.toMatch(/P-[A-Z2-9]{8}/);

    // Report and exports.
    const report = await owner.get(`${both.path}/report`);
    expect(report.body).toContain('Write the AI direction memo');
    expect(report.body).toContain('Two leads think it is a 1');
    // Exports wait for the close.
    expect((await owner.get(`${both.path}/export.csv`)).statusCode).toBe(409);
    // Closing stops answers and joins; reopening restores them.
    await owner.post(`${both.path}/status`, { status: 'closed' });
    const [someId] = executionIds();
    const refused = await third.visitor.autosave(`${third.privatePath}/checkpoints/${someId}`, { [`answer:${someId}`]: '3' });
    expect(refused.statusCode).toBe(409);
    const token = third.privatePath.split('/').at(-1)!;
    const viaApi = await t.app.inject({
      method: 'PUT',
      url: `/api/responses/${token}/answers/${someId}`,
      payload: { answer: 3 },
    });
    expect(viaApi.statusCode).toBe(409);
    expect(viaApi.json().error.code).toBe('workshop_closed');
    const viaForm = await third.visitor.post(`${third.privatePath}/phases/${phase1().id}`, { [`answer:${someId}`]: '3' });
    expect(viaForm.statusCode).toBe(409);
    expect(viaForm.body).toContain('This workshop has closed');
    // Participants' pages say so before anyone tries: a banner, and the answer form disabled.
    const closedPhase = await third.visitor.get(`${third.privatePath}/phases/${phase1().id}`);
    expect(closedPhase.body).toContain('Platform team, Q4 has closed: your answers are kept as they are');
    expect(closedPhase.body).toContain('<fieldset class="closed-fieldset" disabled');
    expect((await third.visitor.get(`${third.privatePath}/results`)).body).toContain('class="closed-banner"');
    const missing = await t.app.inject({ url: '/no/such/page' });
    const closedJoin = await new Visitor(t.app, nextAddress()).get(`/j/${both.code}`);
    expect(closedJoin.statusCode).toBe(410);
    expect(closedJoin.body).toContain('Platform team, Q4 has closed');
    expect(closedJoin.body).not.toBe(missing.body);
    await owner.post(`${both.path}/status`, { status: 'open' });
    const again = await third.visitor.autosave(`${third.privatePath}/checkpoints/${someId}`, { [`answer:${someId}`]: '3' });
    expect(again.statusCode).toBe(200);

    // Closed: exports with statement, phase and part, agreed answers and actions; then it stays closed.
    await owner.post(`${both.path}/status`, { status: 'closed' });
    const csv = await owner.get(`${both.path}/export.csv`);
    expect(csv.statusCode).toBe(200);
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toBe('"assessment","version","participant","role","on_record","phase","part","level","checkpoint","statement","answer"');
    expect(lines).toHaveLength(1 + 6 * (prerequisiteIds().length + executionIds().length));
    expect(lines[1]).toMatch(/^"ai-native-maturity","1","P-[A-Z2-9]{8}","(leader|team_member)","(yes|no)","1","(prerequisites|execution)","[a-z]*","[a-z0-9.-]+","[^"]+","(\d|dontknow|na)"$/);
    const json = JSON.parse((await owner.get(`${both.path}/export.json`)).body);
    expect(json.answers).toHaveLength(lines.length - 1);
    expect(json.agreed).toEqual([{ checkpoint: firstPrerequisite, answer: 2, dissentNote: 'Two leads think it is a 1' }]);
    expect(json.actions).toEqual([{ checkpoint: firstPrerequisite, title: 'Write the AI direction memo', owner: 'VP Eng', due: '2027-Q1' }]);
    const reopened = await owner.post(`${both.path}/status`, { status: 'open' });
    expect(reopened.statusCode).toBe(409);
    expect(reopened.body).toContain('Its answers have been exported, so it stays closed');
  });

  it('answers saved without JavaScript (the phase form) count in the group like autosaved ones', async () => {
    const owner = await coach('Kai');
    const { path, code } = await createWorkshop(owner, { minimum: '3' });
    const people = await Promise.all([1, 2, 3].map(() => participant(code, 'team_member')));
    for (const p of people) {
      const posted = await p.visitor.post(`${p.privatePath}/phases/${phase1().id}`, { ...prefixed(answersFor('2', '2')), intent: 'save' });
      expect(posted.statusCode).toBe(303);
    }
    const live = await owner.get(`${path}/live`);
    expect(live.body).toContain('3</strong> answering');
    expect(live.body).toContain('<th scope="row">1. Foundation</th><td>50</td><td>50</td>');
  });

  it('a participant comes back on the same device to the same response; joining twice counts once', async () => {
    const owner = await coach('Dee');
    const workshop = await createWorkshop(owner);
    const p = await participant(workshop.code, 'leader');
    const back = await p.visitor.get(`/j/${workshop.code}`);
    expect(back.statusCode).toBe(303);
    expect(back.headers.location).toBe(p.privatePath);
    const twice = await p.visitor.post(`/j/${workshop.code}`, { role: 'leader' });
    expect(twice.headers.location).toBe(`${p.privatePath}/start`);
    const live = await owner.get(`${workshop.path}/live`);
    expect(live.body).toContain('1</strong> joined');

    // Someone else on the same device starts their own response; the first stays as it was.
    const start = await p.visitor.get(`${p.privatePath}/start`);
    expect(start.body).toContain(`href="/j/${workshop.code}?as&#x3D;new"`); // Handlebars escapes "="
    const form = await p.visitor.get(`/j/${workshop.code}?as=new`);
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('name="someoneElse" value="yes"');
    const second = await p.visitor.post(`/j/${workshop.code}`, { role: 'team_member', someoneElse: 'yes' });
    expect(second.statusCode).toBe(303);
    expect(second.headers.location).not.toBe(`${p.privatePath}/start`);
    expect((await owner.get(`${workshop.path}/live`)).body).toContain('2</strong> joined');
  });
});

describe('access', () => {
  it('every coach route refuses another coach with the same 404 as a missing workshop', async () => {
    const owner = await coach('Eve');
    const other = await coach('Fay');
    const { path } = await createWorkshop(owner);
    const missingPath = '/coach/workshops/00000000-0000-4000-8000-000000000000';
    await other.get('/coach');
    for (const suffix of ['', '/results', '/discussion', '/agreement', '/actions', '/exports', '/presenter', '/live', '/qr.svg', '/report', '/export.csv', '/export.json']) {
      const denied = await other.get(`${path}${suffix}`);
      const missing = await other.get(`${missingPath}${suffix}`);
      expect(denied.statusCode, suffix).toBe(404);
      expect(denied.body).toBe(missing.body);
    }
    for (const [suffix, form] of [
      ['/status', { status: 'closed' }],
      ['/reveal', { revealed: 'true' }],
      [`/consensus/${prerequisiteIds()[0]}`, { answer: '4' }],
      ['/actions', { checkpoint: prerequisiteIds()[0]!, title: 'x', owner: 'y', due: '2027-Q1' }],
    ] as const) {
      expect((await other.post(`${path}${suffix}`, form)).statusCode, suffix).toBe(404);
    }
    // The owner's action cannot be removed by the other coach.
    await owner.get(path);
    await owner.post(`${path}/actions`, { checkpoint: prerequisiteIds()[0]!, title: 'Keep me', owner: 'Eve', due: '2027-Q1' });
    const actionId = /actions\/([0-9a-f-]{36})\/delete/.exec((await owner.get(`${path}/actions`)).body)![1]!;
    expect((await other.post(`${path}/actions/${actionId}/delete`)).statusCode).toBe(404);
    expect((await owner.get(`${path}/actions`)).body).toContain('<p class="step-statement">Keep me</p>');
    // Nothing changed for the owner.
    const page = await owner.get(path);
    expect(page.body).toContain('Close the workshop');
    expect((await owner.get(`${path}/agreement`)).body).not.toContain('agreed:');
  });

  it('without a session, coach pages send you to sign in', async () => {
    const owner = await coach('Gus');
    const { path } = await createWorkshop(owner);
    const anonymous = await new Visitor(t.app, nextAddress()).get(path);
    expect(anonymous.statusCode).toBe(303);
    expect(anonymous.headers.location).toBe(`/sign-in?next=${encodeURIComponent(path)}`);
  });

  it('a wrong code gets a clear message with the code kept; a wrong join link the plain 404', async () => {
    const visitor = new Visitor(t.app, nextAddress());
    await visitor.get('/join');
    const wrong = await visitor.post('/join', { code: 'ZZZZZ-ZZZZZ' });
    expect(wrong.statusCode).toBe(404);
    expect(wrong.body).toContain('No open workshop has that code.');
    expect(wrong.body).toContain('value="ZZZZZ-ZZZZZ"');
    const missing = await t.app.inject({ url: '/no/such/page' });
    const link = await visitor.get('/j/ZZZZZZZZZZ');
    expect(link.statusCode).toBe(404);
    expect(link.body).toBe(missing.body);
  });

  it('a whole room behind one network address joins: only wrong codes count against the limit', async () => {
    const owner = await coach('Jo');
    const { code, path } = await createWorkshop(owner);
    const sharedAddress = nextAddress();
    for (let i = 0; i < 25; i++) {
      const person = new Visitor(t.app, sharedAddress);
      await person.get(`/j/${code}`);
      expect((await person.post(`/j/${code}`, { role: 'team_member' })).statusCode).toBe(303);
    }
    expect((await owner.get(`${path}/live`)).body).toContain('25</strong> joined');
  });

  it('join codes are rate-limited per client', async () => {
    const visitor = new Visitor(t.app, nextAddress());
    await visitor.get('/join');
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) statuses.push((await visitor.post('/join', { code: `ZZZZZZZZ${i % 10}Z` })).statusCode);
    expect(statuses.slice(0, 20).every((s) => s === 404)).toBe(true);
    expect(statuses[20]).toBe(429);
    const neighbour = new Visitor(t.app, nextAddress());
    await neighbour.get('/join');
    expect((await neighbour.post('/join', { code: 'ZZZZZZZZZZ' })).statusCode).toBe(404);
  });
});

describe('anonymity', () => {
  it('below the minimum, no view and no export shows a result', async () => {
    const owner = await coach('Hal');
    const { path, code } = await createWorkshop(owner, { minimum: '5' });
    const people = await Promise.all([1, 2, 3, 4].map((i) => participant(code, i % 2 ? 'leader' : 'team_member')));
    for (const p of people) await p.answer(answersFor('2', '3'));
    await owner.post(`${path}/reveal`, { revealed: 'true' });

    const views = [
      await owner.get(`${path}/results`),
      await owner.get(`${path}/live`),
      await owner.get(`${path}/report`),
      await people[0]!.visitor.get(`${people[0]!.privatePath}/group`),
    ];
    for (const view of views) {
      expect(view.statusCode).toBe(200);
      expect(view.body).toContain('Below the anonymity threshold');
      expect(view.body).toContain('Shown from 5 respondents (now 4).');
      expect(view.body).not.toContain('class="bars"');
      expect(view.body).not.toContain('data-chart');
      expect(view.body).not.toContain('Discussion queue');
    }
    expect((await owner.get(`${path}/export.csv`)).statusCode).toBe(409);
    expect((await owner.get(`${path}/export.json`)).statusCode).toBe(409);

    // One more: results appear; leaders are anonymous here, so they are never split from the team, also in exports.
    const fifth = await participant(code, 'leader');
    await fifth.answer(answersFor('2', '3'));
    const live = await owner.get(`${path}/live`);
    expect(live.body).toContain('class="bars"');
    expect(live.body).not.toContain('Leaders and team: the perception gap</h3>\n    <table');
    expect((await owner.get(`${path}/live?section=discussion`)).body).toContain('Leaders and team are counted together here');
    await owner.post(`${path}/status`, { status: 'closed' });
    const csv = await owner.get(`${path}/export.csv`);
    expect(csv.statusCode).toBe(200);
    expect(csv.body).not.toContain('"leader"');
    expect(csv.body).not.toContain('"team_member"');
    expect(live.body).toContain('Notes are shown from 10 respondents');
  });

  it('a checkpoint answered by fewer than the minimum stays hidden everywhere: its row, the scores, the gap, the export', async () => {
    const owner = await coach('Ida');
    const { path, code } = await createWorkshop(owner, { minimum: '3', leadersOnRecord: 'yes' });
    const leaders = await Promise.all([1, 2, 3].map(() => participant(code, 'leader')));
    const team = await Promise.all([1, 2, 3].map(() => participant(code, 'team_member')));
    for (const p of [...leaders, ...team]) await p.answer(answersFor('3', '3'));
    // One leader and one team member alone answer a phase 2 checkpoint, at opposite ends.
    const [lonely] = definition.phases[1]!.prerequisites.map((p) => p.id);
    await leaders[0]!.visitor.autosave(`${leaders[0]!.privatePath}/checkpoints/${lonely}`, { [`answer:${lonely}`]: '4' });
    await team[0]!.visitor.autosave(`${team[0]!.privatePath}/checkpoints/${lonely}`, { [`answer:${lonely}`]: '0' });

    const live = await owner.get(`${path}/live`);
    expect(live.body).toContain('Below threshold (fewer than 3 answers)');
    // Phase 2 has no score: its only answers are the hidden ones.
    expect(live.body).toContain('<th scope="row">2. Delivery process</th><td>–</td><td>–</td>');
    const gap = await owner.get(`${path}/live?section=discussion`);
    expect(gap.body).toMatch(/<th scope="row">2\. Delivery process<\/th><td>– \/ –<\/td>/);
    expect(gap.body).not.toContain(`${definition.phases[1]!.title}: prerequisites`);
    await owner.post(`${path}/status`, { status: 'closed' });
    const csv = await owner.get(`${path}/export.csv`);
    expect(csv.body).not.toContain(`"${lonely}"`);
    expect(csv.body.trim().split('\r\n')).toHaveLength(1 + 6 * (prerequisiteIds().length + executionIds().length));
  });
});
