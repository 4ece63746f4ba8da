import { describe, expect, it } from 'vitest';
import { canAssignRole, canReadTeam, can, type Membership } from '../../server/domain/organisation-access.js';
import { poolBySubtree, roundResults, type PathCount } from '../../server/domain/round-results.js';
import { pathInBranch, teamPath, teamPathLabel, treeOrder, wouldCycle, type TeamNode } from '../../server/domain/team-tree.js';
import { loadConfig } from '../../server/config.js';
import { fixtureDefinition as definition } from '../fixtures/definition.js';

// root ─┬─ a ─── a1
//       └─ b
const tree = new Map<string, TeamNode>(
  [
    { id: 'root', parentId: null, name: 'Engineering', archived: false },
    { id: 'a', parentId: 'root', name: 'Platform', archived: false },
    { id: 'a1', parentId: 'a', name: 'Build tools', archived: false },
    { id: 'b', parentId: 'root', name: 'Apps', archived: true },
  ].map((t) => [t.id, t]),
);

describe('team tree', () => {
  it('a path runs from the root to the team, by id and by name', () => {
    expect(teamPath(tree, 'a1')).toBe('root/a/a1');
    expect(teamPathLabel(tree, 'a1')).toBe('Engineering / Platform / Build tools');
  });

  it.each([
    ['moving a team under its own child → a cycle', 'a', 'a1', true],
    ['moving a team under itself → a cycle', 'a', 'a', true],
    ['moving a leaf under a sibling branch → fine', 'a1', 'b', false],
    ['moving a team to the top → fine', 'a', null, false],
  ])('%s', (_s, team, parent, cycle) => {
    expect(wouldCycle(tree, team, parent)).toBe(cycle);
  });

  it('lists parents before children, siblings by name, archived teams kept', () => {
    expect(treeOrder(tree).map((r) => [r.team.id, r.depth])).toEqual([
      ['root', 0],
      ['b', 1],
      ['a', 1],
      ['a1', 2],
    ]);
  });

  it('a branch holds the team and everything below it, not its parent', () => {
    expect(pathInBranch('root/a/a1', 'a')).toBe(true);
    expect(pathInBranch('root/a', 'a')).toBe(true);
    expect(pathInBranch('root', 'a')).toBe(false);
    expect(pathInBranch('root/b', 'a')).toBe(false);
  });
});

const member = (role: Membership['role'], branchTeamId: string | null = null): Membership => ({
  organisationId: 'o',
  userId: 'u',
  role,
  branchTeamId,
});

describe('roles', () => {
  it.each([
    ['owner', 'manage_settings', true],
    ['admin', 'manage_settings', false],
    ['admin', 'manage_rounds', true],
    ['admin', 'manage_members', true],
    ['coach', 'manage_rounds', false],
    ['viewer', 'manage_teams', false],
    ['viewer', 'export', false],
    ['member', 'see_participation', false],
  ] as const)('%s may %s: %s', (role, capability, allowed) => {
    expect(can(member(role), capability)).toBe(allowed);
  });

  it.each([
    ['owner reads everything', member('owner'), 'root/b', true],
    ['a viewer of Platform reads Build tools', member('viewer', 'a'), 'root/a/a1', true],
    ['a viewer of Platform does not read Apps', member('viewer', 'b'), 'root/a', false],
    ['a viewer of Platform does not read the parent it pools into', member('viewer', 'a'), 'root', false],
    ['a coach of Platform reads Platform', member('coach', 'a'), 'root/a', true],
    ['a member reads their own team', member('member', 'a1'), 'root/a/a1', true],
    ['a member does not read their parent team', member('member', 'a1'), 'root/a', false],
    ['a member with no team reads nothing', member('member'), 'root', false],
  ])('%s', (_s, membership, path, allowed) => {
    expect(canReadTeam(membership, path)).toBe(allowed);
  });

  it('only an owner makes or changes owners', () => {
    expect(canAssignRole(member('admin'), 'owner')).toBe(false);
    expect(canAssignRole(member('admin'), 'viewer', 'owner')).toBe(false);
    expect(canAssignRole(member('admin'), 'coach', 'viewer')).toBe(true);
    expect(canAssignRole(member('owner'), 'owner', 'admin')).toBe(true);
    expect(canAssignRole(member('viewer'), 'member')).toBe(false);
  });
});

const rated = (teamPath: string, checkpointId: string, value: number, count: number, role = 'team_member'): PathCount => ({
  teamPath,
  role,
  checkpointId,
  answer: { kind: 'rating', value },
  count,
});

describe('pooling a round by subtree', () => {
  it('a parent pools the responses of its whole subtree, never an average of averages', () => {
    // Build tools: 1 person rates 4; Platform itself: 3 people rate 0. Average of averages: 50; pooled: 25.
    const pooled = poolBySubtree(
      [rated('root/a/a1', 'f.p1', 4, 1), rated('root/a', 'f.p1', 0, 3)],
      [
        { teamPath: 'root/a/a1', role: 'team_member', respondents: 1 },
        { teamPath: 'root/a', role: 'team_member', respondents: 3 },
      ],
    );
    const platform = pooled.find((t) => t.teamId === 'a')!;
    expect(platform.respondents).toBe(4);
    expect(platform.teamPath).toBe('root/a');
    const ratings = platform.counts.filter((c) => c.checkpointId === 'f.p1');
    const total = ratings.reduce((s, c) => s + c.count * (c.answer.kind === 'rating' ? c.answer.value : 0), 0);
    const n = ratings.reduce((s, c) => s + c.count, 0);
    expect((total / n) * 25).toBe(25);
    expect(pooled.find((t) => t.teamId === 'root')!.respondents).toBe(4);
    expect(pooled.find((t) => t.teamId === 'a1')!.respondents).toBe(1);
  });

  it('keeps leaders and team members apart', () => {
    const pooled = poolBySubtree(
      [],
      [
        { teamPath: 'root/a', role: 'leader', respondents: 2 },
        { teamPath: 'root/b', role: 'team_member', respondents: 5 },
      ],
    );
    const root = pooled.find((t) => t.teamId === 'root')!;
    expect([root.leaders, root.teamMembers, root.respondents]).toEqual([2, 5, 7]);
  });

  it('summarises each pooled team with the engine: a phase everyone rates fully is achieved', () => {
    const ids = definition.phases[0]!.prerequisites.map((p) => p.id).concat(
      definition.phases[0]!.execution.flatMap((g) => g.checkpoints.map((c) => c.id)),
    );
    const results = roundResults(definition, new Map([['a', 'Platform']]), {
      counts: ids.map((id) => rated('a', id, 4, 5)),
      respondents: [{ teamPath: 'a', role: 'team_member', respondents: 5 }],
    }, 5);
    expect(results).toHaveLength(1);
    expect(results[0]!.teamName).toBe('Platform');
    expect(results[0]!.summary[0]).toEqual({ phaseId: definition.phases[0]!.id, status: 'achieved', score: 100 });
  });
});

describe('DATABASE_READ_URL', () => {
  it('is unset by default (dashboards read the primary) and must be a postgres URL', () => {
    expect(loadConfig({}).databaseReadUrl).toBeUndefined();
    expect(loadConfig({ DATABASE_READ_URL: 'postgres://reader@replica:5432/stallpoint' }).databaseReadUrl).toBe('postgres://reader@replica:5432/stallpoint');
    expect(() => loadConfig({ DATABASE_READ_URL: 'http://replica' })).toThrow(/DATABASE_READ_URL/);
  });
});
