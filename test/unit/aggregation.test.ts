import { describe, expect, it } from 'vitest';
import { tallyAnswers, type Answer } from '../../server/domain/answers.js';
import { allCheckpoints } from '../../server/domain/definition.js';
import {
  discussionAgenda,
  discussionQueue,
  distributionOf,
  perceptionGaps,
  quantile,
} from '../../server/domain/aggregation.js';
import { fixtureDefinition as definition } from '../fixtures/definition.js';

const scale = definition.scale;
const checkpoints = allCheckpoints(definition);
const ids = checkpoints.map((c) => c.id);
const rating = (value: number): Answer => ({ kind: 'rating', value });

/** Respondents who each rate one checkpoint: `group('f.p1', [4, 4, 1])`. */
function group(checkpointId: string, values: (number | 'dk' | 'na')[]) {
  return tallyAnswers(
    ids,
    values.map((v) => new Map([[checkpointId, v === 'dk' ? { kind: 'dont_know' } : v === 'na' ? { kind: 'not_applicable' } : rating(v)]])),
  );
}

describe('distribution per checkpoint', () => {
  it.each([
    ['a room that agrees (all 3) → no disagreement', [3, 3, 3, 3, 3], 3, 0, false],
    ['a room split between 0 and 4 → disagreement', [0, 0, 4, 4], 2, 4, true],
    ['mostly 2 with one outlier → no disagreement', [2, 2, 2, 2, 4], 2, 0, false],
    ['spread over the whole scale → disagreement', [0, 1, 2, 3, 4], 2, 2, true],
  ])('%s', (_situation, values, median, spread, disagreement) => {
    const d = distributionOf(group('f.p1', values).get('f.p1')!, scale);
    expect(d.median).toBe(median);
    expect(d.spread).toBe(spread);
    expect(d.disagreement).toBe(disagreement);
    expect(d.counts.reduce((s, c) => s + c.count, 0)).toBe(values.length);
  });

  it('keeps don’t know and not applicable apart from the ratings', () => {
    const d = distributionOf(group('f.p1', [4, 'dk', 'dk', 'na', 1]).get('f.p1')!, scale);
    expect(d).toMatchObject({ answered: 5, rated: 2, dontKnow: 2, notApplicable: 1, median: 2.5 });
  });

  it('a single rating cannot disagree with itself', () => {
    expect(distributionOf(group('f.p1', [0]).get('f.p1')!, scale).disagreement).toBe(false);
  });

  it('quantiles interpolate between ranks', () => {
    expect(quantile([1, 2, 3, 4], 0.25)).toBe(1.75);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
  });
});

describe('perception gap', () => {
  it('leaders rate direction 4, team rates it 1 → gap on the prerequisite', () => {
    const [gap] = perceptionGaps([checkpoints[0]!], group('f.p1', [4, 4]), group('f.p1', [1, 1, 1]), scale);
    expect(gap).toEqual({ checkpointId: 'f.p1', leaders: 100, team: 25, gap: 75, flagged: true });
  });

  it('a small difference is not flagged; a missing side has no gap', () => {
    const [small] = perceptionGaps([checkpoints[0]!], group('f.p1', [3]), group('f.p1', [2, 3]), scale);
    expect(small!.flagged).toBe(false);
    const [missing] = perceptionGaps([checkpoints[0]!], group('f.p1', [3]), group('f.p1', ['dk']), scale);
    expect(missing).toMatchObject({ team: null, gap: null, flagged: false });
  });
});

describe('discussion queue', () => {
  it('puts the widest split first, then perception gaps; calm checkpoints are left out', () => {
    const tallies = tallyAnswers(ids, [
      new Map([['f.p1', rating(0)], ['f.p2', rating(1)], ['f.e1', rating(2)]]),
      new Map([['f.p1', rating(4)], ['f.p2', rating(3)], ['f.e1', rating(2)]]),
      new Map([['f.p1', rating(4)], ['f.p2', rating(4)], ['f.e1', rating(2)]]),
      new Map([['f.p1', rating(0)], ['f.p2', rating(1)], ['f.e1', rating(3)]]),
    ]);
    const distributions = new Map(ids.map((id) => [id, distributionOf(tallies.get(id)!, scale)]));
    const gaps = new Map([['f.e1', { checkpointId: 'f.e1', leaders: 100, team: 50, gap: 50, flagged: true }]]);
    const queue = discussionQueue(checkpoints, distributions, gaps);
    expect(queue.map((q) => q.checkpoint.id)).toEqual(['f.p1', 'f.p2', 'f.e1']);
  });
});

describe('discussion agenda (5–10 people)', () => {
  const scale = definition.scale;
  const dist = (ratings: number[], dontKnow = 0) => distributionOf({ rated: ratings, dontKnow, notApplicable: 0, respondents: ratings.length + dontKnow }, scale);

  it.each([
    ['3 say not in place, 3 say mostly in place', [0, 0, 0, 3, 3, 3], 0, ['split']],
    ['everyone near the middle', [2, 2, 1, 2, 3, 2], 0, []],
    ['4 of 6 don’t know', [2, 3], 4, ['dont_know']],
    ['one outlier among six agreeing', [3, 3, 3, 3, 3, 0], 0, []],
  ])('%s → %j', (_name, ratings, dontKnow, kinds) => {
    const [first] = checkpoints;
    const agenda = discussionAgenda([first!], new Map([[first!.id, dist(ratings, dontKnow)]]), scale);
    expect(agenda.flatMap((i) => i.reasons.map((r) => r.kind))).toEqual(kinds);
  });

  it('says the split in plain words, with the scale’s labels', () => {
    const [first] = checkpoints;
    const [item] = discussionAgenda([first!], new Map([[first!.id, dist([0, 0, 0, 3, 3, 3])]]), scale);
    const low = scale.points.find((p) => p.value === 0)!.label.toLowerCase();
    const high = scale.points.find((p) => p.value === 3)!.label.toLowerCase();
    expect(item!.reasons[0]!.text).toBe(`The room is split: 3 say ${low}, 3 say ${high} or more.`);
  });

  it('keeps at most seven items, strongest first, agreed ones last', () => {
    const many = Array.from({ length: 10 }, (_, i) => ({ ...checkpoints[0]!, id: `c${i}` }));
    const distributions = new Map(many.map((c, i) => [c.id, dist(i % 2 ? [0, 0, 4, 4, 4] : [0, 0, 0, 4, 4, 4])]));
    const agenda = discussionAgenda(many, distributions, scale, { agreed: new Set(['c0']) });
    expect(agenda).toHaveLength(7);
    expect(agenda.map((i) => i.agreed)).not.toContain(true); // c0 agreed: pushed past the seven
    const weights = agenda.map((i) => i.weight);
    expect([...weights].sort((a, b) => b - a)).toEqual(weights);
  });

  it('names who sees it higher when leaders and team are apart', () => {
    const [first] = checkpoints;
    const gaps = new Map([[first!.id, { checkpointId: first!.id, leaders: 100, team: 50, gap: 50, flagged: true }]]);
    const [item] = discussionAgenda([first!], new Map([[first!.id, dist([2, 2, 2, 2, 2])]]), scale, { gaps });
    expect(item!.reasons[0]!.text).toMatch(/^Leaders see it as more in place than the team: \d+(\.\d)? points apart on the scale\.$/);
  });
});
