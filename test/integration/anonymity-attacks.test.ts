import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allCheckpoints, type Definition } from '../../server/domain/definition.js';
import { startTestApp, Visitor, type TestApp } from '../support/app.js';

/**
 * The attacks of issue 7 item 2, run as a coach would run them, with a minimum
 * of 5. Each failed against the code before the anonymity module.
 */

let t: TestApp;
let definition: Definition;
let address = 10;
const nextAddress = () => `203.0.113.${address++}`;

beforeAll(async () => {
  t = await startTestApp();
  definition = t.app.assessments.latestOf('ai-native-maturity')!;
});
afterAll(async () => t?.close());

async function coach(name: string): Promise<Visitor> {
  const visitor = new Visitor(t.app, nextAddress());
  await visitor.get('/sign-up');
  const response = await visitor.post('/sign-up', {
    displayName: name,
    email: `${name.toLowerCase()}-${address}@example.com`,
    password: 'a long enough password',
    confirmPassword: 'a long enough password',
  });
  expect(response.statusCode).toBe(303);
  return visitor;
}

async function createWorkshop(owner: Visitor, fields: Record<string, string> = {}) {
  await owner.get('/coach/workshops/new');
  const created = await owner.post('/coach/workshops', {
    title: 'Attack surface',
    assessment: `${definition.id}@${definition.version}`,
    roles: ['leader', 'team_member'],
    minimum: '5',
    ...fields,
  });
  expect(created.statusCode, created.body).toBe(303);
  const path = created.headers.location!;
  const page = await owner.get(path);
  const code = /class="join-code"[^>]*>([A-Z0-9-]+)</.exec(page.body)![1]!.replace('-', '');
  return { path, code };
}

async function join(code: string, role: 'leader' | 'team_member', visitor = new Visitor(t.app, nextAddress())) {
  const form = await visitor.get(`/j/${code}`);
  const nonce = /name="nonce" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
  const joined = await visitor.post(`/j/${code}`, { role, nonce, ...(role === 'leader' ? { onRecord: 'yes' } : {}) });
  return { visitor, joined, privatePath: joined.headers.location?.replace(/\/start$/, '') ?? '' };
}

/** Answer every checkpoint, phase by phase, with `valueFor(checkpointId)`. */
async function answerAll(p: { visitor: Visitor; privatePath: string }, valueFor: (id: string, index: number) => string) {
  for (const phase of definition.phases) {
    await p.visitor.get(`${p.privatePath}/phases/${phase.id}`);
    const ids = [...phase.prerequisites.map((c) => c.id), ...phase.execution.flatMap((g) => g.checkpoints.map((c) => c.id))];
    const form = Object.fromEntries(ids.map((id) => [`answer:${id}`, valueFor(id, allCheckpoints(definition).findIndex((c) => c.id === id))]));
    const saved = await p.visitor.post(`${p.privatePath}/phases/${phase.id}`, { ...form, intent: 'save' });
    expect(saved.statusCode).toBe(303);
  }
}

/** Per checkpoint row of the live view, the count behind each bar ("label: count"). */
function distributions(html: string): Map<string, number[]> {
  const rows = new Map<string, number[]>();
  const list = /<ol class="checkpoint-distributions">([\s\S]*?)<\/ol>/.exec(html)?.[1] ?? '';
  for (const row of list.split(/<li>\s*<p class="step-statement">/).slice(1)) {
    const heading = /^([^<]+)/.exec(row)?.[1]?.trim();
    if (!heading) continue;
    const counts = [...row.matchAll(/<meter[^>]*aria-label="[^"]*: (\d+)/g)].map((m) => Number(m[1]));
    if (counts.length) rows.set(heading, counts);
  }
  return rows;
}

/** How many answers differ between two views of one checkpoint (at least this many people changed). */
function changedAnswers(before: number[] | undefined, after: number[] | undefined): number {
  const a = before ?? [];
  const b = after ?? [];
  let added = 0;
  for (let i = 0; i < Math.max(a.length, b.length); i++) added += Math.max(0, (b[i] ?? 0) - (a[i] ?? 0));
  return added;
}

describe('issue 7 item 2: anonymity that no sequence of views can break', () => {
  it('consecutive live polls never show one person’s answers or role: results move in steps of the minimum', async () => {
    const owner = await coach('Poll');
    const { path, code } = await createWorkshop(owner);
    const first = [
      ...(await Promise.all([1, 2, 3, 4].map(() => join(code, 'leader')))),
      await join(code, 'team_member'),
    ];
    for (const p of first) await answerAll(p, () => '2');
    const atFive = await owner.get(`${path}/live`);
    expect(atFive.body).toContain('class="bars"');
    const before = distributions(atFive.body);
    expect(before.size).toBe(allCheckpoints(definition).length);

    // The sixth person answers everything, with answers nobody else gave.
    const sixth = await join(code, 'team_member');
    await answerAll(sixth, (_id, i) => (i % 2 ? '4' : '0'));
    const atSix = await owner.get(`${path}/live`);
    const after = distributions(atSix.body);
    for (const [row, counts] of after) {
      const changed = changedAnswers(before.get(row), counts);
      expect(changed === 0 || changed >= 5, `${row}: ${changed} answers changed`).toBe(true);
    }
    expect(atSix.body).toContain('Newer answers from up to 1 person are waiting');
    // Nothing on the participation line says who the newcomer is.
    const participationLine = /<p class="participation">[\s\S]*?<\/p>/.exec(atSix.body)![0];
    expect(participationLine).not.toMatch(/leader|team/i);

    // Four more people: five changed together, and the results move by all of them at once.
    const more = await Promise.all([1, 2, 3, 4].map(() => join(code, 'team_member')));
    for (const p of more) await answerAll(p, () => '3');
    const atTen = distributions((await owner.get(`${path}/live`)).body);
    for (const [row, counts] of atTen) expect(changedAnswers(after.get(row), counts), row).toBeGreaterThanOrEqual(5);
  });

  it('exports: not while people can still answer; of a closed workshop under fresh codes; then closed for good', async () => {
    const owner = await coach('Export');
    const { path, code } = await createWorkshop(owner);
    const five = await Promise.all([1, 2, 3, 4, 5].map(() => join(code, 'team_member')));
    for (const p of five) await answerAll(p, () => '2');
    const whileOpen = await owner.get(`${path}/export.json`);
    expect(whileOpen.statusCode).toBe(409);

    await owner.post(`${path}/status`, { status: 'closed' });
    const firstExport = await owner.get(`${path}/export.json`);
    expect(firstExport.statusCode).toBe(200);
    const codesOf = (body: string) => new Set((JSON.parse(body).answers as { participant: string }[]).map((a) => a.participant));
    const firstCodes = codesOf(firstExport.body);
    expect(firstCodes.size).toBe(5);
    // A second export of the same answers: new codes, so no one is followed from one file to the next.
    const secondCodes = codesOf((await owner.get(`${path}/export.json`)).body);
    expect([...secondCodes].filter((c) => firstCodes.has(c))).toEqual([]);

    // The sixth person cannot be added and exported again.
    const reopened = await owner.post(`${path}/status`, { status: 'open' });
    expect(reopened.statusCode).toBe(409);
    expect((await new Visitor(t.app, nextAddress()).get(`/j/${code}`)).statusCode).toBe(410);
  });

  it('a coach cannot join their own workshop, and an answer-nothing sock puppet does not make a group', async () => {
    const owner = await coach('Sock');
    const { path, code } = await createWorkshop(owner);
    // From the coach's signed-in browser: refused, with the reason.
    const page = await owner.get(`/j/${code}`);
    expect(page.statusCode).toBe(403);
    expect(page.body).toContain('You run this workshop, so you cannot answer in it');
    const post = await owner.post(`/j/${code}`, { role: 'team_member' });
    expect(post.statusCode).toBe(403);

    // From another browser: four real people and one "not applicable" everywhere.
    const leaders = await Promise.all([1, 2, 3, 4].map(() => join(code, 'team_member')));
    for (const l of leaders) await answerAll(l, () => '4');
    const puppet = await join(code, 'team_member');
    await answerAll(puppet, () => 'na');
    const live = await owner.get(`${path}/live`);
    expect(live.body).toContain('Below the anonymity threshold');
    expect(live.body).toContain('Shown from 5 respondents (now 4).');
    expect(live.body).not.toContain('class="bars"');
  });
});

describe('issue 7: joining, agreeing and actions', () => {
  it('a double-clicked Join makes one participant', async () => {
    const owner = await coach('Double');
    const { path, code } = await createWorkshop(owner);
    for (let i = 0; i < 3; i++) {
      const visitor = new Visitor(t.app, nextAddress());
      const form = await visitor.get(`/j/${code}`);
      const nonce = /name="nonce" value="([^"]+)"/.exec(form.body)![1]!;
      // Both posts leave before the first answer (and its cookie) comes back.
      const [a, b] = await Promise.all([
        visitor.post(`/j/${code}`, { role: 'team_member', nonce }),
        visitor.post(`/j/${code}`, { role: 'team_member', nonce }),
      ]);
      expect(a.statusCode).toBe(303);
      expect(b.headers.location).toBe(a.headers.location);
    }
    expect((await owner.get(`${path}/live`)).body).toContain('<strong>3</strong> joined');
  });

  it('a dissent note over 2,000 characters comes back with what was typed and a message', async () => {
    const owner = await coach('Dissent');
    const { path, code } = await createWorkshop(owner);
    for (const p of await Promise.all([1, 2, 3, 4, 5].map(() => join(code, 'team_member')))) await answerAll(p, () => '2');
    await owner.get(path);
    const [first] = allCheckpoints(definition);
    const long = `We disagree ${'because '.repeat(260)}`;
    const response = await owner.post(`${path}/consensus/${first!.id}`, { answer: '2', dissent: long });
    expect(response.statusCode).toBe(422);
    expect(response.body).toContain('Keep the dissent note under 2,000 characters.');
    expect(response.body).toContain(long.trim());
    expect(response.body).toMatch(/<option value="2" selected>/);
  });

  it.each(['9999-Q4', '0000-Q1', 'soon'])('an action due %s is refused with the window that is accepted', async (due) => {
    const owner = await coach('Due');
    const { path } = await createWorkshop(owner);
    await owner.get(path);
    const [first] = allCheckpoints(definition);
    const response = await owner.post(`${path}/actions`, { checkpoint: first!.id, title: 'Write it down', owner: 'Ana', due });
    expect(response.statusCode).toBe(422);
    expect(response.body).toMatch(/Choose a quarter from \d{4} to \d{4}, such as \d{4}-Q[1-4]\./);
    expect(response.body).toContain('value="Write it down"');
  });
});
