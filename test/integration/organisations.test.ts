import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Definition } from '../../server/domain/definition.js';
import { startTestApp, Visitor, type TestApp } from '../support/app.js';

let t: TestApp;
let definition: Definition;
let counter = 10;
const nextAddress = () => `198.51.100.${counter++}`;

async function person(name: string): Promise<Visitor> {
  const visitor = new Visitor(t.app, nextAddress());
  await visitor.get('/sign-up');
  const response = await visitor.post('/sign-up', {
    displayName: name,
    email: `${name.toLowerCase().replace(/\W/g, '')}-${counter}@example.com`,
    password: 'a long enough password',
    confirmPassword: 'a long enough password',
  });
  expect(response.statusCode, response.body).toBe(303);
  return visitor;
}

interface Org {
  base: string;
  id: string;
  teams: Record<'engineering' | 'platform' | 'build' | 'apps', string>;
  owner: Visitor;
  admin: Visitor;
  coach: Visitor;
  viewer: Visitor;
  member: Visitor;
  outsider: Visitor;
}

async function addTeam(owner: Visitor, base: string, name: string, parent = ''): Promise<string> {
  await owner.get(`${base}/teams`);
  const created = await owner.post(`${base}/teams`, { name, parent });
  expect(created.statusCode, created.body).toBe(303);
  const page = await owner.get(`${base}/teams`);
  const id = new RegExp(`id="team-([0-9a-f-]{36})"[^>]*>\\s*<details[^>]*>\\s*<summary><span class="team-name">${name}<`).exec(page.body);
  expect(id, `team ${name}`).not.toBeNull();
  return id![1]!;
}

async function invite(owner: Visitor, base: string, who: Visitor, role: string, branch = '') {
  await owner.get(`${base}/members`);
  const created = await owner.post(`${base}/invitations`, { role, branch });
  expect(created.statusCode, created.body).toBe(201);
  const link = /id="invitation-link"[^>]*value="([^"]+)"/.exec(created.body)![1]!;
  const path = new URL(link).pathname;
  const page = await who.get(path);
  expect(page.statusCode, page.body).toBe(200);
  const accepted = await who.post(path);
  expect(accepted.statusCode, accepted.body).toBe(303);
  return path;
}

async function organisation(): Promise<Org> {
  const owner = await person('Owner');
  await owner.get('/organisations');
  const created = await owner.post('/organisations', { name: 'Acme' });
  expect(created.statusCode, created.body).toBe(303);
  const base = created.headers.location!;
  const engineering = await addTeam(owner, base, 'Engineering');
  const platform = await addTeam(owner, base, 'Platform', engineering);
  const build = await addTeam(owner, base, 'Build tools', platform);
  const apps = await addTeam(owner, base, 'Apps', engineering);
  const [admin, coach, viewer, member, outsider] = await Promise.all(['Admin', 'Coach', 'Viewer', 'Member', 'Outsider'].map(person));
  await invite(owner, base, admin!, 'admin');
  await invite(owner, base, coach!, 'coach', platform);
  await invite(owner, base, viewer!, 'viewer', apps);
  await invite(owner, base, member!, 'member', build);
  return {
    base,
    id: base.split('/').at(-1)!,
    teams: { engineering, platform, build, apps },
    owner,
    admin: admin!,
    coach: coach!,
    viewer: viewer!,
    member: member!,
    outsider: outsider!,
  };
}

async function openRound(org: Org, label = '2027-Q1') {
  await org.owner.get(`${org.base}/rounds/new`);
  const opened = await org.owner.post(`${org.base}/rounds`, {
    label,
    assessment: `${definition.id}@${definition.version}`,
    teams: [org.teams.platform, org.teams.build, org.teams.apps],
    [`headcount-${org.teams.platform}`]: '8',
    [`headcount-${org.teams.build}`]: '6',
    [`headcount-${org.teams.apps}`]: '5',
  });
  expect(opened.statusCode, opened.body).toBe(303);
  return opened.headers.location!;
}

/** Someone answers through a team's anonymous link; returns their private path. */
async function answerByLink(link: string, role: 'leader' | 'team_member', value: string) {
  const visitor = new Visitor(t.app, nextAddress());
  const page = await visitor.get(new URL(link).pathname);
  expect(page.statusCode, page.body).toBe(200);
  const joined = await visitor.post(new URL(link).pathname, { role });
  expect(joined.statusCode, joined.body).toBe(303);
  const privatePath = joined.headers.location!.replace(/\/start$/, '');
  await visitor.get(`${privatePath}/phases/${definition.phases[0]!.id}`);
  const id = definition.phases[0]!.prerequisites[0]!.id;
  const saved = await visitor.autosave(`${privatePath}/checkpoints/${id}`, { [`answer:${id}`]: value });
  return { visitor, privatePath, saved, checkpointId: id };
}

let org: Org;
let roundPath: string;

beforeAll(async () => {
  t = await startTestApp();
  definition = t.app.assessments.latestOf('ai-native-maturity')!;
  org = await organisation();
  roundPath = await openRound(org);
});
afterAll(async () => t?.close());

describe('access by role', () => {
  type Role = 'owner' | 'admin' | 'coach' | 'viewer' | 'member' | 'outsider';
  const roles: Role[] = ['owner', 'admin', 'coach', 'viewer', 'member', 'outsider'];
  // Expected status per role: a member of the organisation without the right gets 403, an outsider 404.
  const pages: [string, (o: Org) => string, Record<Role, number>][] = [
    ['home', (o) => o.base, { owner: 200, admin: 200, coach: 200, viewer: 200, member: 200, outsider: 404 }],
    ['teams', (o) => `${o.base}/teams`, { owner: 200, admin: 200, coach: 403, viewer: 403, member: 403, outsider: 404 }],
    ['members', (o) => `${o.base}/members`, { owner: 200, admin: 200, coach: 403, viewer: 403, member: 403, outsider: 404 }],
    ['new round', (o) => `${o.base}/rounds/new`, { owner: 200, admin: 200, coach: 403, viewer: 403, member: 403, outsider: 404 }],
    ['settings', (o) => `${o.base}/settings`, { owner: 200, admin: 403, coach: 403, viewer: 403, member: 403, outsider: 404 }],
    ['audit log', (o) => `${o.base}/audit`, { owner: 200, admin: 200, coach: 403, viewer: 403, member: 403, outsider: 404 }],
    ['round', () => roundPath, { owner: 200, admin: 200, coach: 200, viewer: 200, member: 403, outsider: 404 }],
  ];
  for (const [name, path, expected] of pages) {
    it.each(roles)(`GET ${name} as %s`, async (role) => {
      const response = await org[role].get(path(org));
      expect(response.statusCode).toBe(expected[role]);
    });
  }

  const posts: [string, (o: Org) => [string, Record<string, string | string[]>], Record<Role, number>][] = [
    ['add a team', (o) => [`${o.base}/teams`, { name: 'Sneaky' }], { owner: 303, admin: 303, coach: 403, viewer: 403, member: 403, outsider: 404 }],
    ['change settings', (o) => [`${o.base}/settings`, { name: 'Acme', minimum: '5' }], { owner: 303, admin: 403, coach: 403, viewer: 403, member: 403, outsider: 404 }],
    ['invite', (o) => [`${o.base}/invitations`, { role: 'viewer' }], { owner: 201, admin: 201, coach: 403, viewer: 403, member: 403, outsider: 404 }],
    ['open a round', (o) => [`${o.base}/rounds`, { label: `R-${counter++}`, assessment: `${definition.id}@${definition.version}`, teams: o.teams.apps, [`headcount-${o.teams.apps}`]: '5' }], { owner: 303, admin: 303, coach: 403, viewer: 403, member: 403, outsider: 404 }],
  ];
  for (const [name, request, expected] of posts) {
    it.each(roles)(`POST ${name} as %s`, async (role) => {
      const visitor = org[role];
      await visitor.get('/organisations');
      const [url, form] = request(org);
      const response = await visitor.post(url, form);
      expect(response.statusCode).toBe(expected[role]);
    });
  }

  it('an admin cannot make an owner, nor change the owner', async () => {
    await org.admin.get(`${org.base}/members`);
    const page = await org.admin.get(`${org.base}/members`);
    expect(page.body).not.toContain('value="owner"');
    const ownerId = /action="\/organisations\/[^/]+\/members\/([0-9a-f-]{36})"/.exec((await org.owner.get(`${org.base}/members`)).body);
    expect(ownerId).not.toBeNull();
  });

  it('a coach may start a workshop for a team in their branch, not outside it', async () => {
    await org.coach.get(roundPath);
    const inBranch = await org.coach.post(`${roundPath}/teams/${org.teams.build}/workshops`);
    expect(inBranch.statusCode, inBranch.body).toBe(303);
    expect(inBranch.headers.location).toMatch(/^\/coach\/workshops\//);
    const outside = await org.coach.post(`${roundPath}/teams/${org.teams.apps}/workshops`);
    expect(outside.statusCode).toBe(403);
    const viewer = await org.viewer.post(`${roundPath}/teams/${org.teams.apps}/workshops`);
    expect(viewer.statusCode).toBe(403);
  });

  it("a workshop run for a team answers for the round: its participants' responses carry the round, team and path", async () => {
    await org.coach.get(roundPath);
    const started = await org.coach.post(`${roundPath}/teams/${org.teams.platform}/workshops`);
    expect(started.statusCode, started.body).toBe(303);
    const room = await org.coach.get(started.headers.location!);
    const code = /class="join-code"[^>]*>([A-Z0-9-]+)</.exec(room.body)![1]!.replace('-', '');
    const visitor = new Visitor(t.app, nextAddress());
    await visitor.get('/join');
    const typed = await visitor.post('/join', { code: code.toLowerCase() });
    expect(typed.statusCode).toBe(303);
    const form = await visitor.get(typed.headers.location!);
    const nonce = /name="nonce" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
    const joined = await visitor.post(typed.headers.location!, { role: 'team_member', nonce });
    expect(joined.statusCode, joined.body).toBe(303);
    const privatePath = joined.headers.location!.replace(/\/start$/, '');
    const id = definition.phases[0]!.prerequisites[0]!.id;
    await visitor.get(`${privatePath}/phases/${definition.phases[0]!.id}`);
    expect((await visitor.autosave(`${privatePath}/checkpoints/${id}`, { [`answer:${id}`]: '2' })).statusCode).toBe(200);
    const roundId = roundPath.split('/').at(-1)!;
    const stored = await t.app.db
      .selectFrom('responses')
      .select(['organisation_id', 'round_id', 'team_id', 'team_path', 'workshop_id'])
      .where('round_id', '=', roundId)
      .where('workshop_id', 'is not', null)
      .execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ organisation_id: org.id, team_id: org.teams.platform, team_path: `${org.teams.engineering}/${org.teams.platform}` });
    const home = await org.owner.get(org.base);
    expect(home.body).toMatch(/<th scope="row">Engineering \/ Platform<\/th>\s*<td><meter[^>]*><\/meter> 1<\/td>/);
  });

  it('a viewer sees only the teams of their branch on the round page', async () => {
    const page = await org.viewer.get(roundPath);
    expect(page.body).toContain('Engineering / Apps');
    expect(page.body).not.toContain('Engineering / Platform');
    expect(page.body).not.toContain('/t/'); // links are for admins
  });

  it("another organisation's ids answer 404 like missing ones", async () => {
    const other = await person('Other owner');
    await other.get('/organisations');
    const created = await other.post('/organisations', { name: 'Other' });
    const otherBase = created.headers.location!;
    const roundId = roundPath.split('/').at(-1)!;
    const foreignRound = await other.get(`${otherBase}/rounds/${roundId}`);
    const missingRound = await other.get(`${otherBase}/rounds/00000000-0000-4000-8000-000000000000`);
    expect(foreignRound.statusCode).toBe(404);
    expect(missingRound.statusCode).toBe(404);
    expect(foreignRound.body).toBe(missingRound.body);
    const foreignTeam = await other.post(`${otherBase}/teams/${org.teams.apps}`, { name: 'Stolen' });
    expect(foreignTeam.statusCode).toBe(404);
    expect((await other.get(`/organisations/not-a-uuid`)).statusCode).toBe(404);
  });

  it('not signed in: sent to sign in', async () => {
    const anonymous = new Visitor(t.app, nextAddress());
    const response = await anonymous.get(org.base);
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toMatch(/^\/sign-in/);
  });
});

describe('forms', () => {
  it('settings refuse a minimum below 3, keeping what was typed', async () => {
    await org.owner.get(`${org.base}/settings`);
    const response = await org.owner.post(`${org.base}/settings`, { name: 'Acme renamed', minimum: '2' });
    expect(response.statusCode).toBe(422);
    expect(response.body).toContain('never below 3');
    expect(response.body).toContain('value="Acme renamed"');
  });

  it('a team cannot move under its own child', async () => {
    await org.owner.get(`${org.base}/teams`);
    const response = await org.owner.post(`${org.base}/teams/${org.teams.platform}`, { name: 'Platform', parent: org.teams.build });
    expect(response.statusCode).toBe(422);
    expect(response.body).toContain('cannot sit under itself');
  });

  it('a round needs each chosen team’s headcount', async () => {
    await org.owner.get(`${org.base}/rounds/new`);
    const response = await org.owner.post(`${org.base}/rounds`, {
      label: '2027-Q3',
      assessment: `${definition.id}@${definition.version}`,
      teams: org.teams.apps,
    });
    expect(response.statusCode).toBe(422);
    expect(response.body).toContain('Say how many people Apps has');
    expect(response.body).toContain('value="2027-Q3"');
  });
});

describe('a round through team links', () => {
  it('counts participation per team without scores, then closes: answers stop and the audit log says who', async () => {
    const o = await organisation();
    const path = await openRound(o, '2027-Q2');
    const page = await o.owner.get(path);
    const links = [...page.body.matchAll(/id="link-([0-9a-f-]{36})"[^>]*value="([^"]+)"/g)].map((m) => ({ team: m[1]!, link: m[2]! }));
    expect(links).toHaveLength(3);
    const platformLink = links.find((l) => l.team === o.teams.platform)!.link;
    const a = await answerByLink(platformLink, 'team_member', '3');
    await answerByLink(platformLink, 'leader', '1');
    expect(a.saved.statusCode).toBe(200);

    const home = await o.owner.get(o.base);
    expect(home.body).toMatch(/<th scope="row">Engineering \/ Platform<\/th>\s*<td><meter[^>]*><\/meter> 2<\/td>\s*<td>8<\/td>/);
    expect(home.body).not.toMatch(/\bscore\b|achieved|stalled|theater/i);

    const closed = await o.owner.post(`${path}/close`);
    expect(closed.statusCode).toBe(303);
    const late = await a.visitor.autosave(`${a.privatePath}/checkpoints/${a.checkpointId}`, { [`answer:${a.checkpointId}`]: '4' });
    expect(late.statusCode).toBe(409);
    expect(late.body).toContain('This round has closed');
    const lateForm = await a.visitor.post(`${a.privatePath}/phases/${definition.phases[0]!.id}`, { [`answer:${a.checkpointId}`]: '4' });
    expect(lateForm.statusCode).toBe(409);
    expect(lateForm.body).toContain('This round has closed');
    expect((await new Visitor(t.app, nextAddress()).get(new URL(platformLink).pathname)).statusCode).toBe(404);

    const audit = await o.owner.get(`${o.base}/audit`);
    expect(audit.body).toContain('opened round 2027-Q2 for 3 teams');
    expect(audit.body).toContain('closed round 2027-Q2');
    expect(audit.body).toContain('joined as viewer');
  });

  it('a wrong team link is a 404', async () => {
    const visitor = new Visitor(t.app, nextAddress());
    expect((await visitor.get(`/t/${org.id}/${'x'.repeat(43)}`)).statusCode).toBe(404);
    expect((await visitor.get(`/t/${org.id}/short`)).statusCode).toBe(404);
  });

  it('role changes are recorded', async () => {
    const members = await org.owner.get(`${org.base}/members`);
    const viewerId = [...members.body.matchAll(/<th scope="row">Viewer<br>[\s\S]*?action="[^"]+\/members\/([0-9a-f-]{36})"/g)][0]![1]!;
    const changed = await org.owner.post(`${org.base}/members/${viewerId}`, { role: 'coach', branch: org.teams.apps });
    expect(changed.statusCode, changed.body).toBe(303);
    const audit = await org.owner.get(`${org.base}/audit`);
    expect(audit.body).toContain('changed Viewer’s role from viewer to coach');
  });
});
