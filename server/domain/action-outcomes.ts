import type { CountedAnswer } from './aggregation.js';
import type { Scale } from './definition.js';

/**
 * Whether an action's checkpoint moved by the next round: judged against the
 * group's size and spread (one vote in five is not a trend), net of the
 * organisation-wide drift on the same checkpoint, and never claimed as caused
 * by the action. Pure.
 */

export type ActionOutcome = 'moved' | 'no_clear_change' | 'worse' | 'cant_tell';

export interface CheckpointSample {
  /** People in the group (the anonymity rule counts these). */
  respondents: number;
  /** Their ratings of the checkpoint. */
  ratings: number[];
}

export interface OutcomeJudgement {
  outcome: ActionOutcome;
  /** Why "can't tell", when it is. */
  reason?: 'below_minimum' | 'not_comparable' | 'no_next_round';
  /** Change in the team's mean score (0–100 points), less the organisation's drift. */
  netChange?: number;
  /** The smallest net change that counts as a move for groups this size and spread. */
  needed?: number;
}

/** The ratings of one checkpoint from pooled counts. */
export function sampleOf(counts: readonly CountedAnswer[], checkpointId: string, respondents: number): CheckpointSample {
  const ratings: number[] = [];
  for (const c of counts) {
    if (c.checkpointId !== checkpointId || c.answer.kind !== 'rating') continue;
    for (let i = 0; i < c.count; i++) ratings.push(c.answer.value);
  }
  return { respondents, ratings };
}

/** A sample less another drawn from it (the organisation less the team: what happened elsewhere). */
export function withoutSample(whole: CheckpointSample, part: CheckpointSample): CheckpointSample {
  const remaining = [...whole.ratings].sort((a, b) => a - b);
  for (const rating of part.ratings) {
    const at = remaining.indexOf(rating);
    if (at !== -1) remaining.splice(at, 1);
  }
  return { respondents: Math.max(0, whole.respondents - part.respondents), ratings: remaining };
}

const toPoints = (value: number, scale: Pick<Scale, 'min' | 'max'>) => ((value - scale.min) / (scale.max - scale.min)) * 100;

function meanAndVariance(ratings: readonly number[], scale: Pick<Scale, 'min' | 'max'>) {
  const points = ratings.map((r) => toPoints(r, scale));
  const mean = points.reduce((a, b) => a + b, 0) / points.length;
  const variance = points.length > 1 ? points.reduce((a, b) => a + (b - mean) ** 2, 0) / (points.length - 1) : 0;
  return { mean, variance };
}

/**
 * before/after: the team's checkpoint in the action's round and the next one;
 * drift: the whole organisation's change on the checkpoint between the same rounds (points), if known.
 * A move needs the net change to clear both twice its standard error and one
 * whole-scale vote of the smaller group (100 / n points).
 */
export function judgeAction(input: {
  before: CheckpointSample | undefined;
  after: CheckpointSample | undefined;
  drift: number | null;
  minimum: number;
  scale: Pick<Scale, 'min' | 'max'>;
  comparable: boolean;
}): OutcomeJudgement {
  const { before, after, minimum, scale } = input;
  if (!before || !after) return { outcome: 'cant_tell', reason: 'no_next_round' };
  if (!input.comparable) return { outcome: 'cant_tell', reason: 'not_comparable' };
  if (before.respondents < minimum || after.respondents < minimum || before.ratings.length < minimum || after.ratings.length < minimum) {
    return { outcome: 'cant_tell', reason: 'below_minimum' };
  }
  const b = meanAndVariance(before.ratings, scale);
  const a = meanAndVariance(after.ratings, scale);
  const netChange = a.mean - b.mean - (input.drift ?? 0);
  const standardError = Math.sqrt(b.variance / before.ratings.length + a.variance / after.ratings.length);
  const oneVote = 100 / Math.min(before.ratings.length, after.ratings.length);
  const needed = Math.max(2 * standardError, oneVote);
  const outcome: ActionOutcome = netChange > needed ? 'moved' : netChange < -needed ? 'worse' : 'no_clear_change';
  return { outcome, netChange, needed };
}

/** The organisation-wide change in a checkpoint's mean (points) between two samples, or null when either is empty. */
export function driftBetween(before: CheckpointSample, after: CheckpointSample, scale: Pick<Scale, 'min' | 'max'>): number | null {
  if (before.ratings.length === 0 || after.ratings.length === 0) return null;
  return meanAndVariance(after.ratings, scale).mean - meanAndVariance(before.ratings, scale).mean;
}

export const outcomeSentences: Record<ActionOutcome, string> = {
  moved: 'The checkpoint moved up alongside the action.',
  no_clear_change: 'No clear change in the checkpoint alongside the action.',
  worse: 'The checkpoint got worse alongside the action.',
  cant_tell: 'Can’t tell yet.',
};

export const cantTellReasons: Record<NonNullable<OutcomeJudgement['reason']>, string> = {
  below_minimum: 'Too few people answered in one of the two rounds to compare without revealing anyone.',
  not_comparable: 'The assessment changed between the rounds and this checkpoint has no equivalent.',
  no_next_round: 'No later round has closed for this team yet.',
};
