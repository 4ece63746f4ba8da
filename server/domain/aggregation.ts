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

/**
 * The discussion agenda: a handful of checkpoints worth the room's time, each
 * with a plain reason. Works for 5–10 people, where quartiles say little:
 * - **split**: the share of pairs of raters at least two scale points apart
 *   (30 % or more), with at least two raters on each side of the scale's middle;
 * - **not knowing**: a third or more of the answers are "don't know" (a finding);
 * - **perception gap**: leaders and team apart by `perceptionGapPoints` or more.
 * Ranked by the strongest signal; agreed items go after the open ones.
 */
export const agendaLength = 7;
export const splitPairShare = 0.3;
export const dontKnowShare = 1 / 3;

export interface AgendaItem {
  checkpoint: PlacedCheckpoint;
  distribution: Distribution;
  gap: CheckpointGap | undefined;
  /** 0–1: how strongly this item asks for discussion. */
  weight: number;
  reasons: { kind: 'split' | 'dont_know' | 'gap'; text: string }[];
  agreed: boolean;
}

/** Share of pairs of ratings at least two scale points apart. */
export function pairwiseSplit(counts: Distribution['counts']): number {
  const values = counts.flatMap((c) => Array<number>(c.count).fill(c.value));
  if (values.length < 2) return 0;
  let apart = 0;
  let pairs = 0;
  for (let i = 0; i < values.length; i++) {
    for (let j = i + 1; j < values.length; j++) {
      pairs += 1;
      if (Math.abs(values[i]! - values[j]!) >= 2) apart += 1;
    }
  }
  return apart / pairs;
}

export function discussionAgenda(
  checkpoints: readonly PlacedCheckpoint[],
  distributions: ReadonlyMap<string, Distribution>,
  scale: Definition['scale'],
  options: { gaps?: ReadonlyMap<string, CheckpointGap>; agreed?: ReadonlySet<string>; limit?: number } = {},
): AgendaItem[] {
  const middle = (scale.min + scale.max) / 2;
  const labelOf = (value: number) => scale.points.find((p) => p.value === value)?.label ?? String(value);
  /** "not in place", "partly in place or less": no "or less" below the scale's lowest point. */
  const side = (value: number, beyond: string) =>
    `${labelOf(value).toLowerCase()}${value === scale.min || value === scale.max ? '' : ` ${beyond}`}`;
  const pointsPerScore = (scale.max - scale.min) / 100;
  const items: AgendaItem[] = [];
  for (const checkpoint of checkpoints) {
    const d = distributions.get(checkpoint.id);
    if (!d) continue;
    const gap = options.gaps?.get(checkpoint.id);
    const reasons: AgendaItem['reasons'] = [];
    let weight = 0;

    const low = d.counts.filter((c) => c.value < middle && c.count > 0);
    const high = d.counts.filter((c) => c.value > middle && c.count > 0);
    const split = pairwiseSplit(d.counts);
    const lowCount = low.reduce((s, c) => s + c.count, 0);
    const highCount = high.reduce((s, c) => s + c.count, 0);
    // A split has at least two people on each side of the scale's middle: one outlier is not a split.
    if (lowCount >= 2 && highCount >= 2 && split >= splitPairShare) {
      const mode = (side: typeof low) => side.reduce((a, b) => (b.count > a.count ? b : a));
      reasons.push({
        kind: 'split',
        text: `The room is split: ${lowCount} say ${side(mode(low).value, 'or less')}, ${highCount} say ${side(mode(high).value, 'or more')}.`,
      });
      weight = Math.max(weight, split);
    }
    const asked = d.rated + d.dontKnow;
    if (d.dontKnow >= 2 && asked > 0 && d.dontKnow / asked >= dontKnowShare) {
      reasons.push({ kind: 'dont_know', text: `${d.dontKnow} of ${asked} don’t know: finding out is the first step.` });
      weight = Math.max(weight, d.dontKnow / asked);
    }
    if (gap?.flagged && gap.gap !== null) {
      const points = Math.round(Math.abs(gap.gap) * pointsPerScore * 10) / 10;
      const who = gap.gap > 0 ? 'Leaders see it as more in place than the team' : 'The team sees it as more in place than leaders';
      reasons.push({ kind: 'gap', text: `${who}: ${points} ${points === 1 ? 'point' : 'points'} apart on the scale.` });
      weight = Math.max(weight, Math.abs(gap.gap) / 100);
    }
    if (reasons.length > 0) items.push({ checkpoint, distribution: d, gap, weight, reasons, agreed: options.agreed?.has(checkpoint.id) ?? false });
  }
  return items
    .sort((a, b) => Number(a.agreed) - Number(b.agreed) || b.weight - a.weight || b.reasons.length - a.reasons.length)
    .slice(0, options.limit ?? agendaLength);
}
