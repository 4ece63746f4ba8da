import { describe, expect, it } from 'vitest';
import {
  breakdownVisibility,
  checkpointVisibility,
  countsTowardMinimum,
  effectiveMinimum,
  exportPermission,
  freeTextVisibility,
  groupVisibility,
  hiddenByDifference,
  joinPermission,
  mixedVisibility,
  anonymousSeries,
  onRecordSeries,
  roleComparisonVisibility,
  publishable,
  reopenPermission,
  seriesOf,
} from '../../server/domain/anonymity.js';

const people = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);

describe('group and checkpoint visibility', () => {
  it.each([
    [4, 5, false],
    [5, 5, true],
    [2, 1, false], // never below 3, whatever the setting
    [3, 1, true],
    [0, 5, false],
  ])('%i counted respondents with a minimum of %i → shown: %s', (n, minimum, shown) => {
    expect(groupVisibility(n, minimum).shown).toBe(shown);
    expect(checkpointVisibility(n, minimum).shown).toBe(shown);
  });

  it('below threshold says so, with the minimum that applies', () => {
    expect(groupVisibility(2, 1)).toEqual({ shown: false, reason: 'below_threshold', n: 2, minimum: 3 });
    expect(effectiveMinimum(Number.NaN)).toBe(5);
    expect(effectiveMinimum(7.9)).toBe(7);
  });

  it('free-text notes need ten respondents, or the group minimum when it is higher', () => {
    expect(freeTextVisibility(9, 5).shown).toBe(false);
    expect(freeTextVisibility(10, 5).shown).toBe(true);
    expect(freeTextVisibility(11, 12).shown).toBe(false);
  });

  it.each([
    ['only "not applicable"', [{ kind: 'not_applicable' }, { kind: 'not_applicable' }], false],
    ['only "don\'t know"', [{ kind: 'dont_know' }], false],
    ['nothing', [], false],
    ['one rating among non-answers', [{ kind: 'not_applicable' }, { kind: 'rating' }], true],
  ])('a respondent who answered %s counts toward a minimum: %s', (_name, answers, counts) => {
    expect(countsTowardMinimum(answers)).toBe(counts);
  });
});

describe('answers on the record beside anonymous ones', () => {
  it.each([
    ['3 leaders on the record, nobody anonymous yet', 3, 0, false],
    ['5 leaders on the record alone', 5, 0, true],
    ['2 leaders on the record and 2 team members (the team is the total minus the known leaders)', 2, 2, false],
    ['2 leaders on the record and 3 team members: 5, but the team part is 3', 2, 3, false],
    ['1 leader on the record and 5 team members', 1, 5, true],
    ['no one on the record, 5 anonymous', 0, 5, true],
  ])('%s → shown: %s', (_name, onRecord, anonymous, shown) => {
    expect(mixedVisibility({ onRecord, anonymous, minimum: 5 }).shown).toBe(shown);
  });
});

describe('breakdowns (by role, by team)', () => {
  it.each([
    ['7 leaders and 4 team members (the team is the total minus the leaders)', [{ n: 7 }, { n: 4 }], false],
    ['5 and 6', [{ n: 5 }, { n: 6 }], true],
    ['one part: nothing to break down', [{ n: 12 }], false],
    ['1 leader on the record and 5 anonymous team members', [{ n: 1, onRecord: true }, { n: 5 }], true],
    ['1 leader on the record and 4 anonymous team members', [{ n: 1, onRecord: true }, { n: 4 }], false],
    ['no leader on the record yet', [{ n: 0, onRecord: true }, { n: 9 }], false],
  ])('%s → shown: %s', (_name, parts, shown) => {
    expect(breakdownVisibility(parts, 5).shown).toBe(shown);
  });
});

describe('publication in steps', () => {
  it('a checkpoint and series moves only when at least the minimum changed since it last moved', () => {
    const pending = [
      { checkpointId: 'a', series: 'team_member', changed: 5 },
      { checkpointId: 'b', series: 'team_member', changed: 1 }, // the sixth person: waits
      { checkpointId: 'a', series: 'leader', changed: 4 },
      { checkpointId: 'c', series: onRecordSeries, changed: 1 }, // on the record: read as it is
    ];
    expect(publishable(pending, 5)).toEqual([{ checkpointId: 'a', series: 'team_member', changed: 5 }]);
    expect(publishable(pending, 1).map((p) => `${p.checkpointId}/${p.series}`)).toEqual(['a/team_member', 'a/leader']);
  });

  it('a respondent on the record is their own series; everyone else is in the one anonymous series', () => {
    expect(seriesOf(true)).toBe(onRecordSeries);
    expect(seriesOf(false)).toBe(anonymousSeries);
  });

  it.each([
    ['leaders anonymous: never split, whatever the numbers', { leadersOnRecord: false, leaders: 20, team: 30 }, false],
    ['one leader on the record, 5 team members', { leadersOnRecord: true, leaders: 1, team: 5 }, true],
    ['one leader on the record, 4 team members', { leadersOnRecord: true, leaders: 1, team: 4 }, false],
    ['no leader yet', { leadersOnRecord: true, leaders: 0, team: 9 }, false],
  ])('leader / team comparison, %s → shown: %s', (_name, input, shown) => {
    expect(roleComparisonVisibility({ ...input, minimum: 5 }).shown).toBe(shown);
  });
});

describe('exports, reopening and joining', () => {
  it.each([
    ['open, enough people', { status: 'open' as const, counted: 8, minimum: 5 }, false],
    ['closed, too few', { status: 'closed' as const, counted: 4, minimum: 5 }, false],
    ['closed, enough', { status: 'closed' as const, counted: 5, minimum: 5 }, true],
  ])('export of a workshop %s → allowed: %s', (_name, input, allowed) => {
    const permission = exportPermission(input);
    expect(permission.allowed).toBe(allowed);
    if (!permission.allowed) expect(permission.reason).toMatch(/Export is available once/);
  });

  it('an exported workshop cannot be reopened', () => {
    expect(reopenPermission({ exported: true }).allowed).toBe(false);
    expect(reopenPermission({ exported: false }).allowed).toBe(true);
  });

  it('the coach who runs a workshop cannot join it; anyone else can', () => {
    expect(joinPermission({ signedInUserId: 'u1', ownerId: 'u1' }).allowed).toBe(false);
    expect(joinPermission({ signedInUserId: 'u2', ownerId: 'u1' }).allowed).toBe(true);
    expect(joinPermission({ signedInUserId: null, ownerId: 'u1' }).allowed).toBe(true);
  });
});

describe('hiddenByDifference: nothing revealed by subtraction', () => {
  it.each([
    {
      name: 'a department of 12 and a team of 10 in it: the other 2 would be the difference → the team is hidden',
      groups: [
        { id: 'dept', members: people('p', 12) },
        { id: 'team', members: people('p', 10) },
      ],
      hidden: ['team'],
    },
    {
      name: 'a department of 15 and a team of 10 in it: the other 5 are enough',
      groups: [
        { id: 'dept', members: people('p', 15) },
        { id: 'team', members: people('p', 10) },
      ],
      hidden: [],
    },
    {
      name: 'siblings 6 + 6 + 2 under a parent of 14: the small one is hidden, and so must be one sibling',
      groups: [
        { id: 'parent', members: people('p', 14) },
        { id: 'a', members: people('p', 6) },
        { id: 'b', members: people('p', 12).slice(6) },
        { id: 'c', members: people('p', 14).slice(12) },
      ],
      hidden: ['a', 'c'],
    },
    {
      name: 'siblings 5 + 5 + 5 under a parent of 15: all shown',
      groups: [
        { id: 'parent', members: people('p', 15) },
        { id: 'a', members: people('p', 5) },
        { id: 'b', members: people('p', 10).slice(5) },
        { id: 'c', members: people('p', 15).slice(10) },
      ],
      hidden: [],
    },
    {
      name: 'a cell (team × role) of 4 is hidden on its own',
      groups: [
        { id: 'team', members: people('p', 9) },
        { id: 'team/leaders', members: people('p', 4) },
      ],
      hidden: ['team/leaders'],
    },
    {
      name: 'a group equal to its parent reveals nothing',
      groups: [
        { id: 'org', members: people('p', 6) },
        { id: 'only-team', members: people('p', 6) },
      ],
      hidden: [],
    },
  ])('$name', ({ groups, hidden }) => {
    expect([...hiddenByDifference(groups, 5)].sort()).toEqual(hidden);
  });

  it('whatever stays shown, no shown group minus a shown subset leaves 1 to 4 people', () => {
    const groups = [
      { id: 'org', members: people('p', 23) },
      { id: 'x', members: people('p', 11) },
      { id: 'y', members: people('p', 20).slice(11) },
      { id: 'x1', members: people('p', 7) },
      { id: 'x2', members: people('p', 11).slice(7) },
    ];
    const hidden = hiddenByDifference(groups, 5);
    const shown = groups.filter((g) => !hidden.has(g.id));
    for (const a of shown) {
      for (const b of shown) {
        const inside = b.members.every((m) => a.members.includes(m));
        if (a === b || !inside) continue;
        const rest = a.members.length - b.members.length;
        expect(rest === 0 || rest >= 5, `${a.id} − ${b.id} = ${rest}`).toBe(true);
      }
    }
  });
});
