import { describe, expect, it } from 'vitest';
import { hiddenByDifference, hiddenInTree, type TreeGroup } from '../../server/domain/anonymity.js';

const team = (id: string, parentId: string | null, n: number): TreeGroup => ({ id, parentId, n });

describe('hiddenInTree: no team revealed by subtracting rows of the tree', () => {
  it.each([
    {
      name: 'a team below the minimum is hidden',
      groups: [team('a', null, 4), team('b', null, 9)],
      hidden: ['a'],
    },
    {
      name: 'a parent of 20 with children of 16 and 4: the 4 are hidden, and 20 − 16 would show them → 16 hides too',
      groups: [team('org', null, 20), team('a', 'org', 16), team('b', 'org', 4)],
      hidden: ['a', 'b'],
    },
    {
      name: 'a parent of 12 and its only shown child of 10: the other 2 would be revealed → the child is hidden',
      groups: [team('dept', null, 12), team('team', 'dept', 10)],
      hidden: ['team'],
    },
    {
      name: 'a parent of 15 and a child of 10: the other 5 are enough',
      groups: [team('dept', null, 15), team('team', 'dept', 10)],
      hidden: [],
    },
    {
      name: 'a child that is the whole parent (nobody else): nothing to reveal',
      groups: [team('dept', null, 8), team('team', 'dept', 8)],
      hidden: [],
    },
    {
      name: 'siblings 6 + 6 + 2 under a parent of 14: the small one is hidden, and the 2 it holds would be the difference → one more sibling hides',
      groups: [team('p', null, 14), team('a', 'p', 6), team('b', 'p', 6), team('c', 'p', 2)],
      hidden: ['a', 'c'],
    },
    {
      name: 'two hidden siblings of 2 and 2 under a parent of 19 with a shown sibling of 15: their 4 together would be revealed',
      groups: [team('p', null, 19), team('a', 'p', 15), team('b', 'p', 2), team('c', 'p', 2)],
      hidden: ['a', 'b', 'c'],
    },
    {
      name: 'hidden siblings that together reach the minimum stay safe: 3 + 3 under a parent of 16 with a sibling of 10',
      groups: [team('p', null, 16), team('a', 'p', 10), team('b', 'p', 3), team('c', 'p', 3)],
      hidden: ['b', 'c'],
    },
    {
      name: 'a grandchild cannot be subtracted through a hidden child: 20 − (shown grandchild 10 + shown sibling 7) = 3',
      groups: [team('g', null, 20), team('p', 'g', 13), team('c', 'p', 10), team('q', 'g', 7)],
      // p minus c leaves 3 → c hidden; then g minus p minus q leaves 0 → fine.
      hidden: ['c'],
    },
    {
      name: 'a minimum set below 3 still hides groups of 2',
      groups: [team('p', null, 10), team('a', 'p', 8), team('b', 'p', 2)],
      hidden: ['a', 'b'],
      minimum: 1,
    },
  ])('$name', ({ groups, hidden, minimum }) => {
    expect([...hiddenInTree(groups, minimum ?? 5)].sort()).toEqual(hidden);
  });

  it('agrees with the member-set rule (hiddenByDifference) on random trees: nothing shown minus shown leaves 1 to 4', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 200; trial++) {
      // A random tree of up to 7 teams, each with 0–9 people of its own.
      const count = 2 + Math.floor(random() * 6);
      const own: number[] = [];
      const parent: (number | null)[] = [];
      for (let i = 0; i < count; i++) {
        parent.push(i === 0 ? null : Math.floor(random() * i));
        own.push(Math.floor(random() * 10));
      }
      const members = (i: number): string[] => [
        ...Array.from({ length: own[i]! }, (_, k) => `t${i}-${k}`),
        ...parent.flatMap((p, j) => (p === i ? members(j) : [])),
      ];
      const groups = own.map((_, i) => team(`t${i}`, parent[i] === null ? null : `t${parent[i]}`, members(i).length));
      const hidden = hiddenInTree(groups, 5);
      const shown = groups.filter((g) => !hidden.has(g.id));
      const sets = new Map(own.map((_, i) => [`t${i}`, new Set(members(i))]));
      // The general rule finds nothing more to hide among the rows left shown.
      const extra = hiddenByDifference(
        shown.map((g) => ({ id: g.id, members: [...sets.get(g.id)!] })),
        5,
      );
      expect([...extra], `trial ${trial}`).toEqual([]);
    }
  });
});
