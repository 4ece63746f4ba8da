import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../server/data/accounts.js';
import {
  acceptInvitation,
  auditLog,
  createInvitation,
  createOrganisation,
  deleteOrganisation,
  findUsableInvitation,
  membershipOf,
} from '../../server/data/organisations.js';
import { saveAnswer } from '../../server/data/responses.js';
import {
  closeRound,
  createRoundResponse,
  findRound,
  openRound,
  participationByTeam,
  resultSummaries,
} from '../../server/data/rounds.js';
import { createTeam, teamsOf } from '../../server/data/teams.js';
import { allCheckpoints, type Definition } from '../../server/domain/definition.js';
import { roundResults } from '../../server/domain/round-results.js';
import { teamPath, teamPathLabel } from '../../server/domain/team-tree.js';
import { hashPrivateToken, newPrivateToken } from '../../server/private-links.js';
import { startTestApp, type TestApp } from '../support/app.js';

let t: TestApp;
let definition: Definition;

beforeAll(async () => {
  t = await startTestApp();
  definition = t.app.assessments.latestOf('ai-native-maturity')!;
});
afterAll(async () => t?.close());

async function user(name: string) {
  const created = await createUser(t.app.db, { email: `${name}-${randomBytes(4).toString('hex')}@example.com`, displayName: name, passwordHash: 'x' });
  if (!created.created) throw new Error('user not created');
  return created.user;
}

/** An organisation with Engineering ─ Platform ─ Build tools, and a round open for Platform and Build tools. */
async function organisationWithRound() {
  const owner = await user('Owner');
  const organisation = await createOrganisation(t.app.db, { name: 'Acme', owner });
  const engineering = await createTeam(t.app.db, organisation.id, { name: 'Engineering', parentId: null });
  const platform = await createTeam(t.app.db, organisation.id, { name: 'Platform', parentId: engineering });
  const build = await createTeam(t.app.db, organisation.id, { name: 'Build tools', parentId: platform });
  const teams = await teamsOf(t.app.db, organisation.id);
  const round = (await openRound(t.app.db, organisation.id, {
    id: randomUUID(),
    label: '2027-Q1',
    assessmentId: definition.id,
    assessmentVersion: definition.version,
    anonymityMinimum: organisation.anonymityMinimum,
    teams: [platform, build].map((id) => ({
      teamId: id,
      headcount: 8,
      teamPath: teamPath(teams, id),
      teamPathLabel: teamPathLabel(teams, id),
      linkTokenHash: hashPrivateToken(newPrivateToken()),
    })),
  }))!;
  return { owner, organisation, engineering, platform, build, round, teams };
}

async function respond(organisationId: string, roundId: string, teamId: string, value: number, role: 'leader' | 'team_member' = 'team_member') {
  const tokenHash = hashPrivateToken(newPrivateToken());
  const created = await createRoundResponse(t.app.db, {
    organisationId,
    roundId,
    teamId,
    role,
    tokenHash,
    participantCode: randomBytes(4).toString('hex'),
  });
  if (!created) return false;
  const response = await t.app.db
    .selectFrom('responses')
    .select(['id', 'workshop_id as workshopId', 'role'])
    .where('token_hash', '=', tokenHash)
    .executeTakeFirstOrThrow();
  for (const c of allCheckpoints(definition).slice(0, 5)) await saveAnswer(t.app.db, response, c.id, { kind: 'rating', value });
  return true;
}

describe('organisation data', () => {
  it('the creator is the owner, and the audit log says the organisation was created', async () => {
    const { owner, organisation } = await organisationWithRound();
    expect(await membershipOf(t.app.db, organisation.id, owner.id)).toMatchObject({ role: 'owner', branchTeamId: null });
    expect((await auditLog(t.app.db, organisation.id)).map((e) => e.action)).toContain('organisation_created');
    expect(organisation.anonymityMinimum).toBe(5);
  });

  it('the minimum can never be set below 3', async () => {
    const owner = await user('Low');
    await expect(createOrganisation(t.app.db, { name: 'Too low', anonymityMinimum: 2, owner })).rejects.toThrow();
  });

  it('a response keeps the team path frozen when the round opened, even after the team moves', async () => {
    const { organisation, round, build, engineering } = await organisationWithRound();
    await t.app.db.updateTable('teams').set({ parent_id: engineering }).where('organisation_id', '=', organisation.id).where('id', '=', build).execute();
    expect(await respond(organisation.id, round.id, build, 3)).toBe(true);
    const row = await t.app.db.selectFrom('responses').select(['team_path', 'team_id']).where('round_id', '=', round.id).executeTakeFirstOrThrow();
    expect(row.team_id).toBe(build);
    expect(row.team_path!.split('/')).toHaveLength(3);
  });

  it('participation counts answering people per team; closing computes results pooled up the tree, once', async () => {
    const { organisation, round, platform, build, engineering } = await organisationWithRound();
    for (let i = 0; i < 3; i++) await respond(organisation.id, round.id, platform, 4);
    for (let i = 0; i < 2; i++) await respond(organisation.id, round.id, build, 0);
    const participation = await participationByTeam(t.app.db, organisation.id, round.id);
    expect(participation.get(platform)).toBe(3);
    expect(participation.get(build)).toBe(2);

    const teams = await teamsOf(t.app.db, organisation.id);
    const names = new Map([...teams.values()].map((team) => [team.id, team.name]));
    const closed = await closeRound(t.app.db, organisation.id, round.id, (input) => roundResults(definition, names, input, 5));
    expect(closed).toBe(true);
    expect(await closeRound(t.app.db, organisation.id, round.id, () => [])).toBe(false);
    expect((await findRound(t.app.db, organisation.id, round.id))!.status).toBe('closed');

    const rows = (await resultSummaries(t.app.db, organisation.id, [round.id])).get(round.id)!;
    const n = Object.fromEntries(rows.map((r) => [r.teamName, r.respondents]));
    expect(n).toEqual({ Engineering: 5, Platform: 5, 'Build tools': 2 });
    expect(rows.find((r) => r.teamId === engineering)!.summary).toHaveLength(definition.phases.length);

    // Closed: no new responses join the round.
    expect(await respond(organisation.id, round.id, platform, 4)).toBe(false);
  });

  it('another organisation sees none of it', async () => {
    const { round } = await organisationWithRound();
    const other = await createOrganisation(t.app.db, { name: 'Other', owner: await user('Other') });
    expect(await findRound(t.app.db, other.id, round.id)).toBeUndefined();
    expect(await respond(other.id, round.id, round.id, 3)).toBe(false);
  });

  it('an invitation link is used once and stores only its hash', async () => {
    const { organisation, owner, platform } = await organisationWithRound();
    const token = newPrivateToken();
    await createInvitation(t.app.db, organisation.id, {
      tokenHash: hashPrivateToken(token),
      role: 'viewer',
      branchTeamId: platform,
      createdBy: owner.id,
      expiresAt: new Date(Date.now() + 86_400_000),
    });
    const stored = await t.app.db.selectFrom('invitations').select('token_hash').where('organisation_id', '=', organisation.id).execute();
    expect(stored.map((s) => s.token_hash.toString('base64url'))).not.toContain(token);
    const invitation = (await findUsableInvitation(t.app.db, organisation.id, hashPrivateToken(token)))!;
    const invitee = await user('Viewer');
    expect(await acceptInvitation(t.app.db, invitation, invitee)).toBe('joined');
    expect(await acceptInvitation(t.app.db, invitation, await user('Late'))).toBe('used');
    expect(await membershipOf(t.app.db, organisation.id, invitee.id)).toMatchObject({ role: 'viewer', branchTeamId: platform });
    expect(await findUsableInvitation(t.app.db, organisation.id, hashPrivateToken(token))).toBeUndefined();
  });

  it('deleting an organisation leaves nothing behind', async () => {
    const { organisation, round, platform } = await organisationWithRound();
    for (let i = 0; i < 3; i++) await respond(organisation.id, round.id, platform, 2);
    const responseIds = (await t.app.db.selectFrom('responses').select('id').where('organisation_id', '=', organisation.id).execute()).map((r) => r.id);
    expect(responseIds).toHaveLength(3);
    await deleteOrganisation(t.app.db, organisation.id);
    for (const table of ['teams', 'memberships', 'invitations', 'rounds', 'round_teams', 'round_team_results', 'responses', 'workshops', 'audit_log'] as const) {
      const { rows } = await sql<{ n: string }>`select count(*) as n from ${sql.table(table)} where organisation_id = ${organisation.id}`.execute(t.app.db);
      expect(Number(rows[0]!.n), table).toBe(0);
    }
    const answers = await t.app.db.selectFrom('answers').select('response_id').where('response_id', 'in', responseIds).execute();
    expect(answers).toHaveLength(0);
  });

  it('every primary key and unique constraint of an organisation-scoped table includes organisation_id (the distribution key)', async () => {
    const tables = ['teams', 'memberships', 'invitations', 'rounds', 'round_teams', 'round_team_results', 'team_actions', 'api_tokens', 'audit_log'];
    const { rows } = await sql<{ table: string; constraint: string; columns: string[] }>`
      select c.conrelid::regclass::text as table, c.conname as constraint,
             array(select a.attname from unnest(c.conkey) k join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k)::text[] as columns
      from pg_constraint c
      where c.contype in ('p', 'u') and c.conrelid::regclass::text = any(${tables})`.execute(t.app.db);
    expect(new Set(rows.map((r) => r.table))).toEqual(new Set(tables));
    for (const row of rows) expect(row.columns, `${row.table}.${row.constraint}`).toContain('organisation_id');
  });
});
