import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Definition } from '../../server/domain/definition.js';
import { startTestApp, Visitor, type TestApp } from '../support/app.js';

/**
 * Evidence notes in a small room: private unless their author shares them; shared ones reach the
 * room without names once the group is at the minimum (not the ten free text needs otherwise).
 */

let t: TestApp;
let definition: Definition;
let addressCounter = 10;
const nextAddress = () => `203.0.113.${addressCounter++}`;

beforeAll(async () => {
  t = await startTestApp();
  definition = t.app.assessments.latestOf('ai-native-maturity')!;
});
afterAll(async () => t?.close());

const phase1 = () => definition.phases[0]!;
const questionIds = () => [...phase1().prerequisites.map((p) => p.id), ...phase1().execution.flatMap((g) => g.checkpoints.map((c) => c.id))];

async function coach(name: string): Promise<Visitor> {
  const visitor = new Visitor(t.app, nextAddress());
  await visitor.get('/sign-up');
  const response = await visitor.post('/sign-up', {
    displayName: name,
    email: `${name.toLowerCase()}-${addressCounter}@example.com`,
    password: 'a long enough password',
    confirmPassword: 'a long enough password',
  });
  expect(response.statusCode, response.body).toBe(303);
  return visitor;
}

async function createWorkshop(owner: Visitor) {
  await owner.get('/coach/workshops/new');
  const created = await owner.post('/coach/workshops', {
    title: 'Six people, Q4',
    assessment: `${definition.id}@${definition.version}`,
    roles: ['leader', 'team_member'],
    minimum: '5',
    expected: '6',
  });
  expect(created.statusCode, created.body).toBe(303);
  const path = created.headers.location!;
  const page = await owner.get(path);
  const code = /class="join-code"[^>]*>([A-Z0-9-]+)</.exec(page.body)![1]!.replace('-', '');
  return { path, code };
}

/** A participant joins and answers phase 1: `split` on the noted checkpoint, 2 everywhere else. */
async function participant(code: string, split: string) {
  const visitor = new Visitor(t.app, nextAddress());
  await visitor.get('/join');
  const typed = await visitor.post('/join', { code });
  const form = await visitor.get(typed.headers.location!);
  const nonce = /name="nonce" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
  const joined = await visitor.post(typed.headers.location!, { role: 'team_member', nonce });
  expect(joined.statusCode, joined.body).toBe(303);
  const privatePath = joined.headers.location!.replace(/\/start$/, '');
  const phasePath = `${privatePath}/phases/${phase1().id}`;
  await visitor.get(phasePath);
  const [noted] = questionIds();
  for (const id of questionIds()) {
    const saved = await visitor.autosave(`${privatePath}/checkpoints/${id}`, { [`answer:${id}`]: id === noted ? split : '2' });
    expect(saved.statusCode).toBe(200);
  }
  return { visitor, privatePath, phasePath };
}

describe('evidence notes in a room of six', () => {
  it('a shared note reaches the room at the minimum, without a name; an unshared note never leaves its author', async () => {
    const owner = await coach('Noor');
    const { path, code } = await createWorkshop(owner);
    const [noted] = questionIds();
    const people = [];
    for (const split of ['0', '4', '0', '4']) people.push(await participant(code, split));
    const [first, second, third] = people as [(typeof people)[0], (typeof people)[0], (typeof people)[0]];

    // The participant is told, next to the checkbox, what sharing means.
    const page = await first.visitor.get(first.phasePath);
    expect(page.body).toContain(`name="share:${noted}" value="on"`);
    expect(page.body).toContain('Shown to the room without your name, once at least 5 people have answered. In a small room people may still guess who wrote it.');

    // Shared with autosave (the note and its checkbox together, at the revision the page saw).
    const shared = await first.visitor.autosave(`${first.privatePath}/checkpoints/${noted}`, {
      [`evidence:${noted}`]: 'Zebra: the roadmap names no AI goal',
      [`share:${noted}`]: 'on',
      note_rev: '0',
    });
    expect(shared.statusCode).toBe(200);
    expect(shared.headers['x-note-revision']).toBe('1');
    // Kept private, without JavaScript (the phase form posts the note and no checkbox).
    const kept = await second.visitor.post(second.phasePath, { [`evidence:${noted}`]: 'Private: my manager blocks this', intent: 'save' });
    expect(kept.statusCode).toBe(303);
    // Shared without JavaScript (the ticked checkbox posts "on"); the page shows it ticked after.
    const posted = await third.visitor.post(third.phasePath, {
      [`evidence:${noted}`]: 'Alpha: we have a memo, nobody read it',
      [`share:${noted}`]: 'on',
      intent: 'save',
    });
    expect(posted.statusCode).toBe(303);
    expect((await third.visitor.get(third.phasePath)).body).toContain(`name="share:${noted}" value="on" checked`);

    // Four people, below the minimum of 5: no note anywhere, also on the results shown to participants.
    await owner.post(`${path}/reveal`, { revealed: 'true' });
    const below = [
      await owner.get(`${path}/results`),
      await owner.get(`${path}/discussion`),
      await owner.get(`${path}/live`),
      await first.visitor.get(`${first.privatePath}/group`),
    ];
    for (const view of below) {
      expect(view.statusCode).toBe(200);
      expect(view.body).not.toContain('Zebra');
      expect(view.body).not.toContain('Alpha');
      expect(view.body).not.toContain('Private: my manager');
    }

    // Two more: six people, at and above the minimum. Shared notes show, in the order of their text.
    for (const split of ['0', '4']) people.push(await participant(code, split));
    const results = await owner.get(`${path}/results`);
    expect(results.body).toContain('Zebra: the roadmap names no AI goal');
    expect(results.body).toContain('Alpha: we have a memo, nobody read it');
    expect(results.body.indexOf('Alpha:')).toBeLessThan(results.body.indexOf('Zebra:'));
    const discussion = await owner.get(`${path}/discussion`);
    expect(discussion.body).toContain('Alpha: we have a memo, nobody read it');
    const group = await people[5]!.visitor.get(`${people[5]!.privatePath}/group`);
    expect(group.body).toContain('Zebra: the roadmap names no AI goal');
    for (const view of [results, discussion, group, await owner.get(`${path}/report`), await owner.get(`${path}/presenter?item=1`)]) {
      expect(view.body).not.toContain('Private: my manager');
    }

    // Unticking the box (the note itself unchanged) is a new revision, and the note leaves the room.
    const unshared = await first.visitor.autosave(`${first.privatePath}/checkpoints/${noted}`, {
      [`evidence:${noted}`]: 'Zebra: the roadmap names no AI goal',
      note_rev: '1',
    });
    expect(unshared.statusCode).toBe(200);
    expect(unshared.headers['x-note-revision']).toBe('2');
    expect((await owner.get(`${path}/results`)).body).not.toContain('Zebra');

    // Closed and exported: no unshared note in any file.
    await owner.post(`${path}/status`, { status: 'closed' });
    const csv = await owner.get(`${path}/export.csv`);
    const json = await owner.get(`${path}/export.json`);
    expect(csv.statusCode).toBe(200);
    expect(json.statusCode).toBe(200);
    for (const file of [csv.body, json.body]) {
      expect(file).not.toContain('Private: my manager');
      expect(file).not.toContain('Zebra');
    }
  });

  it('a refused phase form comes back with the share box as it was sent', async () => {
    const owner = await coach('Oona');
    const { code } = await createWorkshop(owner);
    const person = await participant(code, '2');
    const [noted, other] = questionIds();
    const refused = await person.visitor.post(person.phasePath, {
      [`evidence:${noted}`]: 'x'.repeat(2001),
      [`share:${noted}`]: 'on',
      [`evidence:${other}`]: 'kept private',
      intent: 'save',
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain(`name="share:${noted}" value="on" checked`);
    expect(refused.body).toMatch(new RegExp(`name="share:${other!.replace(/\./g, '\\.')}" value="on" aria-describedby`));
  });

  it('a leader alone has no room: no share option, and a posted one is not stored', async () => {
    const visitor = new Visitor(t.app, nextAddress());
    const privatePath = await visitor.startAssessment();
    const phasePath = `${privatePath}/phases/${phase1().id}`;
    const page = await visitor.get(phasePath);
    expect(page.body).not.toContain('name="share:');
    const [noted] = questionIds();
    const stored = () => t.app.db.selectFrom('evidence_notes').select(['note', 'shared']).where('note', 'like', 'Leader alone:%').execute();
    await visitor.post(phasePath, { [`evidence:${noted}`]: 'Leader alone: plain form', [`share:${noted}`]: 'on', intent: 'save' });
    expect(await stored()).toEqual([{ note: 'Leader alone: plain form', shared: false }]);
    await visitor.autosave(`${privatePath}/checkpoints/${noted}`, { [`evidence:${noted}`]: 'Leader alone: autosaved', [`share:${noted}`]: 'on' });
    expect(await stored()).toEqual([{ note: 'Leader alone: autosaved', shared: false }]);
  });
});
