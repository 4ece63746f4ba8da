import type { Answer, CheckpointTally } from './answers.js';
import type { Definition, PlacedCheckpoint } from './definition.js';

/**
 * What a group's answers look like per checkpoint: distribution, median,
 * spread and disagreement; the perception gap between leaders and team
 * members; and the discussion queue. Pure, like the diagnostic it feeds.
 */

/** A checkpoint splits the group when its middle half spans at least half the scale. */
export const disagreementSpreadShare = 0.5;
/** Leaders and team see a checkpoint differently when their mean scores differ by this many points (0–100). */
export const perceptionGapPoints = 25;

export interface Distribution {
  /** Count per scale value, lowest first. */
  counts: { value: number; count: number }[];
  dontKnow: number;
  notApplicable: number;
  /** Respondents who gave any answer (ratings and both non-answers). */
  answered: number;
  rated: number;
  median: number | null;
  /** Interquartile range of the ratings, in scale points. */
  spread: number | null;
  /** Standard deviation of the ratings, in scale points (tie-breaker for the queue). */
  deviation: number | null;
  disagreement: boolean;
}

/** Quantile by linear interpolation between closest ranks (as spreadsheets compute it). */
export function quantile(sorted: readonly number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (position - lower);
}

export function distributionOf(tally: CheckpointTally, scale: Definition['scale']): Distribution {
  const sorted = [...tally.rated].sort((a, b) => a - b);
  const counts: Distribution['counts'] = [];
  for (let value = scale.min; value <= scale.max; value++) {
    counts.push({ value, count: sorted.filter((v) => v === value).length });
  }
  const rated = sorted.length;
  const median = rated === 0 ? null : quantile(sorted, 0.5);
  const spread = rated === 0 ? null : quantile(sorted, 0.75) - quantile(sorted, 0.25);
  const mean = rated === 0 ? 0 : sorted.reduce((s, v) => s + v, 0) / rated;
  const deviation = rated === 0 ? null : Math.sqrt(sorted.reduce((s, v) => s + (v - mean) ** 2, 0) / rated);
  return {
    counts,
    dontKnow: tally.dontKnow,
    notApplicable: tally.notApplicable,
    answered: rated + tally.dontKnow + tally.notApplicable,
    rated,
    median,
    spread,
    deviation,
    disagreement: rated >= 2 && spread !== null && spread >= (scale.max - scale.min) * disagreementSpreadShare,
  };
}

/** Mean rating as a 0–100 score, or null when nobody rated. */
export function meanScore(tally: CheckpointTally | undefined, scale: Definition['scale']): number | null {
  if (!tally || tally.rated.length === 0) return null;
  const mean = tally.rated.reduce((s, v) => s + v, 0) / tally.rated.length;
  return ((mean - scale.min) / (scale.max - scale.min)) * 100;
}

export interface CheckpointGap {
  checkpointId: string;
  leaders: number | null;
  team: number | null;
  /** Leaders' score minus the team's, in points; positive when leaders see it as more in place. */
  gap: number | null;
  flagged: boolean;
}

export function perceptionGaps(
  checkpoints: readonly PlacedCheckpoint[],
  leaders: ReadonlyMap<string, CheckpointTally>,
  team: ReadonlyMap<string, CheckpointTally>,
  scale: Definition['scale'],
): CheckpointGap[] {
  return checkpoints.map((c) => {
    const l = meanScore(leaders.get(c.id), scale);
    const t = meanScore(team.get(c.id), scale);
    const gap = l === null || t === null ? null : l - t;
    return { checkpointId: c.id, leaders: l, team: t, gap, flagged: gap !== null && Math.abs(gap) >= perceptionGapPoints };
  });
}

export interface QueueItem {
  checkpoint: PlacedCheckpoint;
  distribution: Distribution;
  gap: CheckpointGap | undefined;
}

/**
 * What the room should talk about first: checkpoints where the group splits,
 * widest spread first (then deviation), then where leaders and team disagree.
 * Checkpoints with neither are left out.
 */
export function discussionQueue(
  checkpoints: readonly PlacedCheckpoint[],
  distributions: ReadonlyMap<string, Distribution>,
  gaps: ReadonlyMap<string, CheckpointGap> = new Map(),
): QueueItem[] {
  return checkpoints
    .map((checkpoint) => ({ checkpoint, distribution: distributions.get(checkpoint.id)!, gap: gaps.get(checkpoint.id) }))
    .filter((item) => item.distribution && (item.distribution.disagreement || item.gap?.flagged))
    .sort(
      (a, b) =>
        Number(b.distribution.disagreement) - Number(a.distribution.disagreement) ||
        (b.distribution.spread ?? 0) - (a.distribution.spread ?? 0) ||
        (b.distribution.deviation ?? 0) - (a.distribution.deviation ?? 0) ||
        Math.abs(b.gap?.gap ?? 0) - Math.abs(a.gap?.gap ?? 0),
    );
}

/** Answers counted by checkpoint, role and value, as a group's storage returns them. */
export interface CountedAnswer {
  checkpointId: string;
  role: string;
  answer: Answer;
  count: number;
}

/**
 * Tallies for the diagnostic from counted answers: everyone, or one role.
 * `respondents` is how many people are in the group (those who answered
 * nothing to a checkpoint count as unanswered there).
 */
export function tallyCounts(
  checkpointIds: readonly string[],
  counts: readonly CountedAnswer[],
  respondents: number,
  role?: string,
): Map<string, CheckpointTally> {
  const tallies = new Map<string, CheckpointTally>(
    checkpointIds.map((id) => [id, { rated: [], dontKnow: 0, notApplicable: 0, respondents }]),
  );
  for (const c of counts) {
    if (role !== undefined && c.role !== role) continue;
    const tally = tallies.get(c.checkpointId);
    if (!tally) continue; // a checkpoint this definition does not ask
    if (c.answer.kind === 'rating') for (let i = 0; i < c.count; i++) tally.rated.push(c.answer.value);
    else if (c.answer.kind === 'dont_know') tally.dontKnow += c.count;
    else tally.notApplicable += c.count;
  }
  return tallies;
}
