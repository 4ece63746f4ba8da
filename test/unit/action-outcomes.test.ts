import { describe, expect, it } from 'vitest';
import { driftBetween, judgeAction, withoutSample, type CheckpointSample } from '../../server/domain/action-outcomes.js';

const scale = { min: 0, max: 4 };
const sample = (...ratings: number[]): CheckpointSample => ({ respondents: ratings.length, ratings });

describe('did the checkpoint move alongside the action?', () => {
  it.each([
    ['a whole team of eight moves from 1 to 3 → moved', sample(1, 1, 1, 1, 1, 1, 1, 1), sample(3, 3, 3, 3, 3, 3, 3, 3), 0, 'moved'],
    ['one vote in five moves from 1 to 4 → no clear change', sample(1, 1, 1, 1, 1), sample(1, 1, 1, 1, 4), 0, 'no_clear_change'],
    ['a whole team of eight drops from 3 to 1 → worse', sample(3, 3, 3, 3, 3, 3, 3, 3), sample(1, 1, 1, 1, 1, 1, 1, 1), 0, 'worse'],
    ['the team rose 50 points but so did everyone → no clear change', sample(1, 1, 1, 1, 1, 1, 1, 1), sample(3, 3, 3, 3, 3, 3, 3, 3), 50, 'no_clear_change'],
    ['a split room moves its mean a little → no clear change', sample(0, 4, 0, 4, 0, 4), sample(0, 4, 4, 0, 4, 4), 0, 'no_clear_change'],
  ])('%s', (_s, before, after, drift, outcome) => {
    expect(judgeAction({ before, after, drift, minimum: 5, scale, comparable: true }).outcome).toBe(outcome);
  });

  it.each([
    ['fewer than the minimum in the later round', sample(1, 1, 1, 1, 1), sample(4, 4, 4), true, 'below_minimum'],
    ['the assessment changed and the checkpoint has no equivalent', sample(1, 1, 1, 1, 1), sample(4, 4, 4, 4, 4), false, 'not_comparable'],
  ])("can't tell: %s", (_s, before, after, comparable, reason) => {
    expect(judgeAction({ before, after, drift: 0, minimum: 5, scale, comparable })).toMatchObject({ outcome: 'cant_tell', reason });
  });

  it("can't tell before a later round has closed", () => {
    expect(judgeAction({ before: sample(1, 1, 1, 1, 1), after: undefined, drift: null, minimum: 5, scale, comparable: true })).toMatchObject({
      outcome: 'cant_tell',
      reason: 'no_next_round',
    });
  });

  it('drift is the organisation-wide change in points', () => {
    expect(driftBetween(sample(2, 2), sample(3, 3), scale)).toBe(25);
    expect(driftBetween(sample(), sample(3), scale)).toBeNull();
  });
});

describe('what happened elsewhere', () => {
  it('the organisation less the team leaves the other people’s ratings', () => {
    expect(withoutSample(sample(1, 1, 3, 3, 3), sample(3, 1))).toEqual({ respondents: 3, ratings: [1, 3, 3] });
  });
});
