import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRoundResponse } from '../../server/data/rounds.js';
import { saveAnswers } from '../../server/data/responses.js';
import type { Answer } from '../../server/domain/answers.js';
import { allCheckpoints, type Definition } from '../../server/domain/definition.js';
import { hashPrivateToken, newPrivateToken } from '../../server/private-links.js';
import { startTestApp, Visitor, type TestApp } from '../support/app.js';

let t: TestApp;
let definition: Definition;
let counter = 10;
const nextAddress = () => `203.0.113.${counter++}`;

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

async function addTeam(owner: Visitor, base: string, name: string, parent = ''): Promise<string> {
  await owner.get(`${base}/teams`);
  await owner.post(`${base}/teams`, { name, parent });
  const page = await owner.get(`${base}/teams`);
  return new RegExp(`id="team-([0-9a-f-]{36})"[^>]*>\\s*<details[^>]*>\\s*<summary><span class="team-name">${name}<`).exec(page.body)![1]!;
}

/** `people` respondents of a role answer every checkpoint with `value`. */
async function answers(organisationId: string, roundId: string, teamId: string, people: number, value: number, role: 'leader' | 'team_member' = 'team_member') {
  const all = new Map<string, Answer>(allCheckpoints(definition).map((c) => [c.id, { kind: 'rating', value }]));
  for (let i = 0; i < people; i++) {
    const tokenHash = hashPrivateToken(newPrivateToken());
    const created = await createRoundResponse(t.app.db, {
      organisationId,
      roundId,
      teamId,
      role,
      tokenHash,
      participantCode: randomBytes(4).toString('hex'),
    });
    expect(created).toBe(true);
    const response = await t.app.db.selectFrom('responses').select(['id', 'workshop_id as workshopId', 'role']).where('token_hash', '=', tokenHash).executeTakeFirstOrThrow();
    await saveAnswers(t.app.db, response, all, new Map());
  }
}

let owner: Visitor;
let base: string;
let organisationId: string;
let teams: { engineering: string; platform: string; apps: string; build: string };
const rounds: string[] = [];

async function openRound(label: string) {
  await owner.get(`${base}/rounds/new`);
  const opened = await owner.post(`${base}/rounds`, {
    label,
    assessment: `${definition.id}@${definition.version}`,
    teams: [teams.platform, teams.apps, teams.build],
    [`headcount-${teams.platform}`]: '10',
    [`headcount-${teams.apps}`]: '10',
    [`headcount-${teams.build}`]: '10',
  });
  expect(opened.statusCode, opened.body).toBe(303);
  return opened.headers.location!.split('/').at(-1)!;
}

beforeAll(async () => {
  t = await startTestApp();
  definition = t.app.assessments.latestOf('ai-native-maturity')!;
  owner = await person('Owner');
  await owner.get('/organisations');
  base = (await owner.post('/organisations', { name: 'Acme' })).headers.location!;
  organisationId = base.split('/').at(-1)!;
  const engineering = await addTeam(owner, base, 'Engineering');
  teams = {
    engineering,
    platform: await addTeam(owner, base, 'Platform', engineering),
    apps: await addTeam(owner, base, 'Apps', engineering),
    build: '',
  };
  teams.build = await addTeam(owner, base, 'Build tools', teams.platform);

  // Round 1: Platform 6 team members at 1 and 5 leaders at 1; Apps 6 at 2; Build tools 5 at 1.
  rounds.push(await openRound('2027-Q1'));
  await answers(organisationId, rounds[0]!, teams.platform, 6, 1);
  await answers(organisationId, rounds[0]!, teams.platform, 5, 1, 'leader');
  await answers(organisationId, rounds[0]!, teams.apps, 6, 2);
  await answers(organisationId, rounds[0]!, teams.build, 5, 1);
  await owner.get(`${base}/rounds/${rounds[0]}`);
  expect((await owner.post(`${base}/rounds/${rounds[0]}/close`)).statusCode).toBe(303);

  // Round 2: everyone at 3, Apps at 2 again.
  rounds.push(await openRound('2027-Q2'));
  await answers(organisationId, rounds[1]!, teams.platform, 6, 3);
  await answers(organisationId, rounds[1]!, teams.platform, 5, 3, 'leader');
  await answers(organisationId, rounds[1]!, teams.apps, 6, 2);
  await answers(organisationId, rounds[1]!, teams.build, 5, 3);
  await owner.get(`${base}/rounds/${rounds[1]}`);
  expect((await owner.post(`${base}/rounds/${rounds[1]}/close`)).statusCode).toBe(303);
});
afterAll(async () => t?.close());

const cellsOf = (html: string, team: string) => {
  const row = new RegExp(`<th scope="row" class="heat-team[^"]*">\\s*(?:<a [^>]*>)?${team}(?:</a>)?\\s*</th>([\\s\\S]*?)</tr>`).exec(html);
  expect(row, `row ${team}`).not.toBeNull();
  return row![1]!;
};

describe('the heatmap', () => {
  it('pools a parent over its whole subtree, shows status, score, n and the change since the previous round', async () => {
    const page = await owner.get(`${base}/rounds/${rounds[1]}/heatmap`);
    expect(page.statusCode, page.body).toBe(200);
    // Engineering pools Platform (11), Build tools (5) and Apps (6): 22 people.
    expect(cellsOf(page.body, 'Engineering')).toContain('n 22');
    // Platform pools itself and Build tools: 16 people, all at 3 → 75; in Q1 all at 1 → 25: +50.
    const platform = cellsOf(page.body, 'Platform');
    expect(platform).toContain('n 16');
    expect(platform).toMatch(/<span class="heat-score">75<\/span>/);
    expect(platform).toMatch(/<span class="heat-change"[^>]*>\+50<\/span>/);
    // Engineering: (16 × 3 + 6 × 2) / 22 → pooled, not the mean of its children's means.
    const pooled = Math.round((((16 * 3 + 6 * 2) / 22) / 4) * 100);
    expect(cellsOf(page.body, 'Engineering')).toContain(`<span class="heat-score">${pooled}</span>`);
  });

  it('is not shown while a round is open (participation only)', async () => {
    const open = await openRound('2027-Q3');
    const page = await owner.get(`${base}/rounds/${open}/heatmap`);
    expect(page.statusCode).toBe(409);
  });
});

describe('anonymity in the tree', () => {
  it('hides a child whose parent minus it would reveal fewer than the minimum, on the heatmap, its page and the trend', async () => {
    // Round: Platform's own 2 people and Build tools' 5. Platform pools 7: 7 − 5 = 2 would be revealed.
    const round = await openRound('2028-Q1');
    await answers(organisationId, round, teams.platform, 2, 4);
    await answers(organisationId, round, teams.build, 5, 0);
    await answers(organisationId, round, teams.apps, 6, 2);
    await owner.get(`${base}/rounds/${round}`);
    expect((await owner.post(`${base}/rounds/${round}/close`)).statusCode).toBe(303);

    const page = await owner.get(`${base}/rounds/${round}/heatmap`);
    expect(cellsOf(page.body, 'Platform')).toContain('n 7');
    const build = cellsOf(page.body, 'Build tools');
    expect(build).toContain('Below minimum');
    expect(build).not.toMatch(/heat-score|n 5/);
    expect(page.body).not.toContain(`/rounds/${round}/teams/${teams.build}"`);

    const buildPage = await owner.get(`${base}/rounds/${round}/teams/${teams.build}`);
    expect(buildPage.statusCode).toBe(200);
    expect(buildPage.body).toContain('Below minimum.');
    expect(buildPage.body).not.toContain('Principal constraint');

    // Platform's trend shows this round; Build tools' earlier rounds stay, this one is withheld.
    const earlier = await owner.get(`${base}/rounds/${rounds[1]}/teams/${teams.build}`);
    expect(earlier.body).toMatch(/<th scope="row">2028-Q1<\/th>\s*<td class="below-minimum">Below minimum<\/td>/);
  });
});

describe('a team page', () => {
  it('diagnoses the pooled answers, compares leaders and team when both meet the minimum, and trends per phase', async () => {
    const page = await owner.get(`${base}/rounds/${rounds[1]}/teams/${teams.platform}`);
    expect(page.statusCode, page.body).toBe(200);
    expect(page.body).toContain('Principal constraint');
    expect(page.body).toContain('Leaders and team');
    expect(page.body).not.toContain('needs at least 5 in each role');
    expect(page.body).toContain('data-chart=');
    expect(page.body).toMatch(/<th scope="row">2027-Q1<\/th>\s*<td>25<\/td>/);
  });

  it('says below minimum for the roles where one role is short', async () => {
    const page = await owner.get(`${base}/rounds/${rounds[1]}/teams/${teams.apps}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('needs at least 5 in each role');
  });
});

describe('actions', () => {
  it('an action on Platform shows at the next round that its checkpoint moved alongside it', async () => {
    const checkpoint = allCheckpoints(definition)[0]!.id;
    await owner.get(`${base}/rounds/${rounds[0]}/teams/${teams.platform}`);
    const missing = await owner.post(`${base}/rounds/${rounds[0]}/teams/${teams.platform}/actions`, { checkpoint, title: '', owner: 'Sam', due: '2027-Q2' });
    expect(missing.statusCode).toBe(422);
    expect(missing.body).toContain('Say what will be done.');
    expect(missing.body).toContain('value="Sam"');
    const added = await owner.post(`${base}/rounds/${rounds[0]}/teams/${teams.platform}/actions`, {
      checkpoint,
      title: 'Write down the AI direction',
      owner: 'Sam',
      due: '2027-Q2',
    });
    expect(added.statusCode, added.body).toBe(303);
    const board = await owner.get(`${base}/actions`);
    expect(board.body).toContain('Write down the AI direction');
    // Platform +50 points; the organisation overall moved less (Apps stayed): net of drift it still moved.
    expect(board.body).toContain('moved up alongside the action');

    // Apps stayed at 2 while the rest of the organisation rose 50 points: worse, net of that drift.
    const apps = await owner.post(`${base}/rounds/${rounds[0]}/teams/${teams.apps}/actions`, { checkpoint, title: 'Pair on it', owner: 'Ali', due: '2027-Q2' });
    expect(apps.statusCode).toBe(303);
    // Build tools (5 people) rose 50 points while the rest rose about 32: 18 net, under one whole vote in five (20).
    const build = await owner.post(`${base}/rounds/${rounds[0]}/teams/${teams.build}/actions`, { checkpoint, title: 'Ask the team', owner: 'Bo', due: '2027-Q2' });
    expect(build.statusCode).toBe(303);
    const again = await owner.get(`${base}/actions`);
    const card = (title: string) => new RegExp(`<strong>${title}</strong>[\\s\\S]*?class="outcome[^"]*">([^<]*)<`).exec(again.body)![1]!;
    expect(card('Pair on it')).toBe('The checkpoint got worse alongside the action. ');
    expect(card('Ask the team')).toBe('No clear change in the checkpoint alongside the action. ');
  });
});

describe('exports', () => {
  it('streams the anonymous answers as CSV: fresh codes every time, hidden teams folded into the team above, audited', async () => {
    // 2028-Q1 (the differencing round) is the newest closed one: Build tools is withheld there.
    const roundsPage = await owner.get(base);
    const q1 = /href="([^"]+\/rounds\/([0-9a-f-]{36}))\/heatmap">Round 2028-Q1/.exec(roundsPage.body)!;
    const first = await owner.get(`${q1[1]}/export/answers.csv`);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.headers['content-type']).toContain('text/csv');
    const lines = first.body.trim().split('\r\n');
    expect(lines[0]).toBe('"participant","team","checkpoint","answer"');
    const teamsNamed = new Set(lines.slice(1).map((l) => l.split('","')[1]));
    expect(teamsNamed).toEqual(new Set(['Engineering / Platform', 'Engineering / Apps']));
    // 13 people × every checkpoint.
    expect(lines.length - 1).toBe(13 * allCheckpoints(definition).length);
    const codes = (body: string) => new Set(body.trim().split('\r\n').slice(1).map((l) => l.split('","')[0]));
    const second = await owner.get(`${q1[1]}/export/answers.csv`);
    expect([...codes(first.body)].filter((c) => codes(second.body).has(c))).toEqual([]);

    const json = await owner.get(`${q1[1]}/export/answers.json`);
    const parsed = JSON.parse(json.body) as { answers: { team: string }[] };
    expect(parsed.answers).toHaveLength(13 * allCheckpoints(definition).length);

    const results = await owner.get(`${q1[1]}/export/results.json`);
    const table = JSON.parse(results.body) as { teams: { team: string }[] };
    expect(table.teams.map((x) => x.team)).not.toContain('Engineering / Platform / Build tools');

    const audit = await owner.get(`${base}/audit`);
    expect(audit.body).toContain('exported the anonymous answers of round 2028-Q1');
  });

  it('a viewer may not export', async () => {
    const viewer = await person('Viewer');
    await owner.get(`${base}/members`);
    const created = await owner.post(`${base}/invitations`, { role: 'viewer', branch: '' });
    const path = new URL(/id="invitation-link"[^>]*value="([^"]+)"/.exec(created.body)![1]!).pathname;
    await viewer.get(path);
    await viewer.post(path);
    expect((await viewer.get(`${base}/rounds/${rounds[0]}/export/answers.csv`)).statusCode).toBe(403);
    expect((await viewer.get(`${base}/api-tokens`)).statusCode).toBe(403);
    await viewer.get(`${base}`);
    expect((await viewer.post(`${base}/delete`, { confirmName: 'Acme' })).statusCode).toBe(403);
  });
});

describe('the read-only API', () => {
  it('a token an admin creates reads rounds, results and answers; revoked or another organisation’s, it is refused', async () => {
    await owner.get(`${base}/api-tokens`);
    const created = await owner.post(`${base}/api-tokens`, { name: 'Our dashboard' });
    expect(created.statusCode).toBe(201);
    const token = /id="new-token"[^>]*value="([^"]+)"/.exec(created.body)![1]!;
    const auth = { authorization: `Bearer ${token}` };
    const list = await t.app.inject({ method: 'GET', url: `/api/organisations/${organisationId}/rounds`, headers: auth });
    expect(list.statusCode).toBe(200);
    const closed = (list.json() as { rounds: { status: string; links: { results?: string; answersCsv?: string } }[] }).rounds.find((r) => r.status === 'closed')!;
    expect((await t.app.inject({ method: 'GET', url: closed.links.results!, headers: auth })).statusCode).toBe(200);
    const csv = await t.app.inject({ method: 'GET', url: closed.links.answersCsv!, headers: auth });
    expect(csv.statusCode).toBe(200);
    expect(csv.body.startsWith('"participant","team","checkpoint","answer"')).toBe(true);

    const other = await person('Other');
    await other.get('/organisations');
    const otherBase = (await other.post('/organisations', { name: 'Other' })).headers.location!;
    const otherId = otherBase.split('/').at(-1)!;
    expect((await t.app.inject({ method: 'GET', url: `/api/organisations/${otherId}/rounds`, headers: auth })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: `/api/organisations/${organisationId}/rounds` })).statusCode).toBe(401);

    const page = await owner.get(`${base}/api-tokens`);
    const revoke = /action="([^"]+\/revoke)"/.exec(page.body)![1]!;
    expect((await owner.post(revoke)).statusCode).toBe(303);
    const after = await t.app.inject({ method: 'GET', url: `/api/organisations/${organisationId}/rounds`, headers: auth });
    expect(after.statusCode).toBe(401);
    expect(after.json()).toMatchObject({ error: { status: 401, code: 'unauthenticated' } });
  });
});

describe('deleting', () => {
  it("an owner deletes a team's answers: gone from the database and from the kept results", async () => {
    const before = await owner.get(`${base}/rounds/${rounds[1]}/heatmap`);
    expect(cellsOf(before.body, 'Engineering')).toContain('n 22');
    await owner.get(`${base}/settings`);
    const deleted = await owner.post(`${base}/delete-team-responses`, { team: teams.apps, confirm: 'yes' });
    expect(deleted.statusCode, deleted.body).toBe(303);
    const left = await t.app.db.selectFrom('responses').select('id').where('organisation_id', '=', organisationId).where('team_id', '=', teams.apps).execute();
    expect(left).toEqual([]);
    const after = await owner.get(`${base}/rounds/${rounds[1]}/heatmap`);
    expect(cellsOf(after.body, 'Engineering')).toContain('n 16');
    expect(after.body).not.toContain('>Apps<');
    const audit = await owner.get(`${base}/audit`);
    expect(audit.body).toMatch(/deleted \d+ responses of Engineering \/ Apps/);
  });

  it('an owner deletes the organisation, after typing its name: nothing is left', async () => {
    await owner.get(`${base}/settings`);
    expect((await owner.post(`${base}/delete`, { confirmName: 'Wrong' })).statusCode).toBe(422);
    expect((await owner.post(`${base}/delete`, { confirmName: 'Acme' })).statusCode).toBe(303);
    for (const table of ['teams', 'memberships', 'invitations', 'rounds', 'round_teams', 'round_team_results', 'responses', 'workshops', 'audit_log', 'team_actions', 'api_tokens'] as const) {
      const rows = await t.app.db.selectFrom(table).select('organisation_id').where('organisation_id', '=', organisationId).execute();
      expect(rows, table).toEqual([]);
    }
    expect((await owner.get(base)).statusCode).toBe(404);
  });
});
