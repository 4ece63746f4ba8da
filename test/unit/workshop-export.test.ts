import { describe, expect, it } from 'vitest';
import type { PublishedRow } from '../../server/data/workshops.js';
import { exportRowsView } from '../../server/views/workshop-export.js';
import { fixtureDefinition as definition } from '../fixtures/definition.js';

const row = (responseId: string, checkpointId: string, value: number | 'na', onRecord = false): PublishedRow => ({
  responseId,
  role: onRecord ? 'leader' : 'team_member',
  onRecord,
  checkpointId,
  answer: value === 'na' ? { kind: 'not_applicable' } : { kind: 'rating', value },
});

// Five team members answered f.p1; only two of them rated f.p2 (three said not applicable).
const published = [
  ...['a', 'b', 'c', 'd', 'e'].map((p) => row(p, 'f.p1', 2)),
  row('a', 'f.p2', 4),
  row('b', 'f.p2', 0),
  ...['c', 'd', 'e'].map((p) => row(p, 'f.p2', 'na')),
];
let counter = 0;
const newCode = () => `P-${String(++counter).padStart(8, '0')}`;

describe('workshop export rows', () => {
  it('leaves out a checkpoint the views hide, and the role unless the comparison is shown', () => {
    const rows = exportRowsView(definition, published, { minimum: 5, rolesShown: false, newCode });
    expect(new Set(rows.map((r) => r.checkpoint))).toEqual(new Set(['f.p1']));
    expect(rows.every((r) => r.role === null && r.onRecord === null)).toBe(true);
    expect(rows[0]).toMatchObject({ phase: 1, part: 'prerequisites', statement: 'Statement f.p1', answer: 2 });
  });

  it('draws new codes for every export, one per person', () => {
    const first = exportRowsView(definition, published, { minimum: 5, rolesShown: false, newCode });
    const second = exportRowsView(definition, published, { minimum: 5, rolesShown: false, newCode });
    const codes = (rows: typeof first) => new Set(rows.map((r) => r.participant));
    expect(codes(first).size).toBe(5);
    expect([...codes(second)].filter((c) => codes(first).has(c))).toEqual([]);
  });

  it('a known answer on the record beside too few anonymous ones hides the checkpoint', () => {
    const mixed = [row('l1', 'f.e1', 4, true), row('l2', 'f.e1', 4, true), row('l3', 'f.e1', 4, true), row('a', 'f.e1', 0), row('b', 'f.e1', 1)];
    expect(exportRowsView(definition, mixed, { minimum: 5, rolesShown: true, newCode })).toEqual([]);
  });
});
