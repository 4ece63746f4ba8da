import { trendOfRating, type CheckpointTally } from './answers.js';
import {
  executionLevels,
  phaseCheckpoints,
  phaseOutcomes,
  type CheckpointPart,
  type Definition,
  type ExecutionLevel,
  type Phase,
  type PlacedCheckpoint,
  type PlacedOutcome,
  type Thresholds,
} from './definition.js';

/**
 * The diagnostic: for each phase, prerequisites first, then execution; where
 * execution stalls on a missing prerequisite, where it runs ahead as theater,
 * and the one principal constraint to work on next. Pure: answers in, findings
 * out. The same functions serve one respondent and a group (through tallies).
 *
 * The rules, in the framework's terms:
 * - prerequisites are all required: one missing prerequisite is a missing prerequisite, however
 *   strong the others are, so a part is never judged on its mean;
 * - not knowing is a finding: a "don't know" on a prerequisite keeps the part open ("find out");
 * - no evidence, no verdict: nothing rated is never met or achieved;
 * - execution needs its threshold and every level (individual, team, organisation) at least partly
 *   in place;
 * - theater is execution at least partly in place running clearly ahead of a prerequisite that is
 *   actually missing, or practices in place while an outcome signal gets worse.
 */

export type PhaseStatus = 'not_started' | 'no_evidence' | 'achieved' | 'executing' | 'theater' | 'stalled';
export type ConfidenceLevel = 'high' | 'medium' | 'low';
/**
 * A checkpoint's state: `missing` below "partly in place"; `partial` at least partly in place but
 * short of what the part needs ("mostly in place" for a prerequisite, the execution threshold for a
 * practice); `unknown` where "don't know" is a finding; `unanswered` where nothing was rated.
 */
export type CheckpointState = 'met' | 'partial' | 'missing' | 'unknown' | 'unanswered' | 'not_applicable';
export type PartVerdict = 'met' | 'not_met' | 'no_evidence';
/** Why a part is not met, most serious first. */
export type OpenReason =
  | 'missing'
  | 'unknown'
  | 'unanswered'
  | 'soft_spots'
  | 'level_missing'
  | 'practices_missing'
  | 'below_target'
  | 'thin_evidence'
  | 'no_evidence';

/** Scores are means of small integers: compare with a tolerance so 69.99999… meets 70. */
const epsilon = 1e-9;
export const reaches = (score: number, threshold: number): boolean => score + epsilon >= threshold;

export interface Confidence {
  level: ConfidenceLevel;
  /** Share (0–1) of applicable answers that are ratings. */
  share: number;
  /** Applicable answer slots: respondents × checkpoints, less "not applicable". */
  applicable: number;
  rated: number;
  dontKnow: number;
  unanswered: number;
}

export interface CheckpointResult {
  checkpoint: PlacedCheckpoint;
  /** 0–100, from the ratings only; null when nobody rated it. */
  score: number | null;
  state: CheckpointState;
  tally: CheckpointTally;
}

export interface LevelResult {
  level: ExecutionLevel;
  /** Null when nothing at this level is rated (unanswered or "don't know"): not the same as missing. */
  score: number | null;
  /** At least partly in place (rated, and the level's score reaches `partlyInPlace`). */
  inPlace: boolean;
}

export interface PartResult {
  part: CheckpointPart;
  /** 0–100: the mean of the checkpoint scores; null when nothing is rated. Shown, never judged alone. */
  score: number | null;
  verdict: PartVerdict;
  met: boolean;
  /** Why it is not met (null when met). */
  reason: OpenReason | null;
  confidence: Confidence;
  checkpoints: CheckpointResult[];
  /** Execution only: each level in scope, in definition order. */
  levels: LevelResult[];
}

export type OutcomeTrendState = 'worse' | 'flat' | 'better' | 'mixed' | 'not_measured' | 'unanswered' | 'not_applicable';

export interface OutcomeResult {
  outcome: PlacedOutcome;
  trend: OutcomeTrendState;
  worse: number;
  flat: number;
  better: number;
  notMeasured: number;
  tally: CheckpointTally;
}

export interface PhaseResult {
  phase: Phase;
  index: number;
  status: PhaseStatus;
  /** Prerequisites not met for lack of knowledge (don't know, unanswered, thin evidence), none actually missing. */
  prerequisitesUnclear: boolean;
  prerequisites: PartResult;
  execution: PartResult;
  outcomes: OutcomeResult[];
  /** Why the phase is theater: the missing prerequisites execution runs ahead of, and/or outcomes getting worse. */
  theater: { aheadOf: CheckpointResult[]; worseningOutcomes: OutcomeResult[] } | null;
  /** False for every phase after the first one not achieved: its status is not counted towards the stage. */
  counted: boolean;
  confidence: Confidence;
}

export interface Constraint {
  phase: Phase;
  phaseIndex: number;
  part: CheckpointPart | 'outcomes';
  /** Whether the phase's prerequisites are met (an execution constraint may follow unmet prerequisites). */
  prerequisitesMet: boolean;
  reason: OpenReason | 'outcome_worse';
  /** The checkpoints that make it the constraint, most unblocking first (at most three). */
  weakest: CheckpointResult[];
  /** How many of the part's checkpoints are in each state (the weakest list stops at three). */
  counts: Record<CheckpointState, number>;
  /** Execution levels not at least partly in place. */
  missingLevels: ExecutionLevel[];
  /** Outcome signals getting worse (part "outcomes"). */
  worseningOutcomes: OutcomeResult[];
  confidence: Confidence;
}

export type NextStepKind = 'act' | 'find-out' | 'answer' | 'reconsider' | 'investigate';

export interface NextStep {
  kind: NextStepKind;
  /** The checkpoint the step moves (a rated or open checkpoint, or a worsening outcome signal). */
  result: CheckpointResult | null;
  outcome: OutcomeResult | null;
}

export type FlagKind =
  | 'sure-but-unaware'
  | 'later-ahead-of-missing'
  | 'practice-versus-outcome'
  | 'prerequisite-not-applicable'
  | 'outcomes-not-measured';

/** Answers that contradict each other: worth checking with the team before acting. */
export interface Flag {
  kind: FlagKind;
  /** The answer that claims more. */
  strong: PlacedCheckpoint | null;
  /** The answer that does not fit with it. */
  weak: PlacedCheckpoint | PlacedOutcome | null;
  /** The phase the flag is about. */
  phaseIndex: number;
  /** Checkpoints it concerns, for flags about a set (not applicable prerequisites). */
  checkpoints: PlacedCheckpoint[];
}

export interface BottleneckFinding {
  id: string;
  /** Mean score of the checkpoints that point to it (lower is more likely the bottleneck). */
  score: number;
  checkpoints: CheckpointResult[];
}

export interface Diagnostic {
  /** "no_evidence" when nothing at all is rated: no stage, no constraint, only what to answer. */
  verdict: 'diagnosed' | 'no_evidence';
  /** How many people the diagnostic reads (1 for a self-assessment or agreed answers). */
  respondents: number;
  phases: PhaseResult[];
  /** Number of phases achieved in order from the first (0 = none); null without evidence. */
  stageReached: number | null;
  constraint: Constraint | null;
  /** The next unmet part after the principal constraint, in walk order. */
  nextConstraint: Constraint | null;
  nextSteps: NextStep[];
  flags: Flag[];
  /** Most likely bottleneck first (definitions that tag checkpoints with bottlenecks). */
  bottlenecks: BottleneckFinding[];
  confidence: Confidence;
}

export const maxNextSteps = 3;
export const maxFlags = 3;

const emptyTally = (respondents: number): CheckpointTally => ({
  rated: [],
  dontKnow: 0,
  notApplicable: 0,
  respondents,
});

const mean = (values: readonly number[]): number => values.reduce((sum, v) => sum + v, 0) / values.length;

export function confidenceOf(tallies: readonly CheckpointTally[], thresholds: Thresholds): Confidence {
  let applicable = 0;
  let rated = 0;
  let dontKnow = 0;
  for (const t of tallies) {
    applicable += t.respondents - t.notApplicable;
    rated += t.rated.length;
    dontKnow += t.dontKnow;
  }
  const unanswered = applicable - rated - dontKnow;
  // Nothing applicable is no evidence at all: it cannot make a conclusion confident.
  const share = applicable === 0 ? 0 : rated / applicable;
  const level: ConfidenceLevel =
    share + epsilon >= thresholds.confidenceHigh ? 'high' : share + epsilon >= thresholds.confidenceMedium ? 'medium' : 'low';
  return { level, share, applicable, rated, dontKnow, unanswered };
}

/** The 0–100 score of some ratings on the definition's scale. */
export function scoreOf(rated: readonly number[], scale: Definition['scale']): number | null {
  return rated.length === 0 ? null : ((mean(rated) - scale.min) / (scale.max - scale.min)) * 100;
}

/** "Don't know" is a finding when its share of the applicable answers reaches the threshold. */
function notKnown(tally: CheckpointTally, thresholds: Thresholds): boolean {
  const applicable = tally.respondents - tally.notApplicable;
  return tally.dontKnow > 0 && reaches(tally.dontKnow / applicable, thresholds.findOutShare);
}

export function checkpointResult(
  checkpoint: PlacedCheckpoint,
  tally: CheckpointTally,
  definition: Pick<Definition, 'scale' | 'thresholds'>,
): CheckpointResult {
  const { thresholds } = definition;
  const score = scoreOf(tally.rated, definition.scale);
  const applicable = tally.respondents - tally.notApplicable;
  const metAt = checkpoint.part === 'prerequisites' ? thresholds.mostlyInPlace : thresholds.executionMet;
  let state: CheckpointState;
  if (tally.respondents > 0 && applicable === 0) state = 'not_applicable';
  // Rated below partly in place is missing, however many did not know: missing comes first.
  else if (score !== null && !reaches(score, thresholds.partlyInPlace)) state = 'missing';
  else if (checkpoint.part === 'prerequisites' && notKnown(tally, thresholds)) state = 'unknown';
  else if (score !== null) state = reaches(score, metAt) ? 'met' : reaches(score, thresholds.partlyInPlace) ? 'partial' : 'missing';
  else if (tally.dontKnow > 0) state = 'unknown';
  else state = 'unanswered';
  return { checkpoint, score, state, tally };
}

const inScope = (c: CheckpointResult) => c.state !== 'not_applicable';
const rated = (c: CheckpointResult) => c.score !== null;

function prerequisitesResult(checkpoints: CheckpointResult[], thresholds: Thresholds): PartResult {
  const scored = checkpoints.flatMap((c) => (c.score === null ? [] : [c.score]));
  const score = scored.length === 0 ? null : mean(scored);
  const confidence = confidenceOf(checkpoints.map((c) => c.tally), thresholds);
  const count = (state: CheckpointState) => checkpoints.filter((c) => c.state === state).length;
  let reason: OpenReason | null;
  if (scored.length === 0) reason = count('unknown') > 0 ? 'unknown' : count('unanswered') > 0 ? 'unanswered' : 'no_evidence';
  else if (count('missing') > 0) reason = 'missing';
  else if (count('unknown') > 0) reason = 'unknown';
  else if (count('unanswered') > 0) reason = 'unanswered';
  else if (count('partial') > thresholds.softSpotsAllowed) reason = 'soft_spots';
  else if (confidence.level === 'low') reason = 'thin_evidence';
  else reason = null;
  return {
    part: 'prerequisites',
    score,
    verdict: reason === null ? 'met' : scored.length === 0 ? 'no_evidence' : 'not_met',
    met: reason === null,
    reason,
    confidence,
    checkpoints,
    levels: [],
  };
}

function executionResult(checkpoints: CheckpointResult[], thresholds: Thresholds): PartResult {
  const scored = checkpoints.flatMap((c) => (c.score === null ? [] : [c.score]));
  const score = scored.length === 0 ? null : mean(scored);
  const confidence = confidenceOf(checkpoints.map((c) => c.tally), thresholds);
  const levels = executionLevels.flatMap<LevelResult>((level) => {
    const here = checkpoints.filter((c) => c.checkpoint.level === level && inScope(c));
    if (here.length === 0) return [];
    const levelScores = here.flatMap((c) => (c.score === null ? [] : [c.score]));
    const levelScore = levelScores.length === 0 ? null : mean(levelScores);
    return [{ level, score: levelScore, inPlace: levelScore !== null && reaches(levelScore, thresholds.partlyInPlace) }];
  });
  const missingPractices = checkpoints.filter((c) => c.state === 'missing').length;
  let reason: OpenReason | null;
  if (score === null) reason = checkpoints.some((c) => c.state === 'unanswered') ? 'unanswered' : 'no_evidence';
  else if (levels.some((l) => l.score !== null && !l.inPlace)) reason = 'level_missing';
  else if (levels.some((l) => l.score === null)) reason = 'unanswered';
  // Like prerequisites, a mean does not hide practices that are missing: one may be, two may not.
  else if (missingPractices > thresholds.softSpotsAllowed) reason = 'practices_missing';
  else if (!reaches(score, thresholds.executionMet)) reason = 'below_target';
  else if (confidence.level === 'low') reason = 'thin_evidence';
  else reason = null;
  return {
    part: 'execution',
    score,
    verdict: reason === null ? 'met' : score === null ? 'no_evidence' : 'not_met',
    met: reason === null,
    reason,
    confidence,
    checkpoints,
    levels,
  };
}

/** A group's direction on an outcome signal: worse only when worse answers lead and make at least half. */
export function outcomeResult(outcome: PlacedOutcome, tally: CheckpointTally): OutcomeResult {
  const count = (trend: 'worse' | 'flat' | 'better') => tally.rated.filter((v) => trendOfRating(v) === trend).length;
  const worse = count('worse');
  const flat = count('flat');
  const better = count('better');
  const measured = worse + flat + better;
  const applicable = tally.respondents - tally.notApplicable;
  let trend: OutcomeTrendState;
  if (tally.respondents > 0 && applicable === 0) trend = 'not_applicable';
  else if (measured === 0) trend = tally.dontKnow > 0 ? 'not_measured' : 'unanswered';
  else if (worse > better && worse * 2 >= measured) trend = 'worse';
  // A third saying worse is not "about the same", whatever the others say.
  else if (worse * 3 >= measured) trend = 'mixed';
  else if (better > worse && better * 2 >= measured) trend = 'better';
  else trend = 'flat';
  return { outcome, trend, worse, flat, better, notMeasured: tally.dontKnow, tally };
}

/** Execution at least partly in place, on enough evidence to say so. */
function executionUnderway(execution: PartResult, thresholds: Thresholds): boolean {
  return (
    execution.score !== null &&
    execution.confidence.level !== 'low' &&
    reaches(execution.score, Math.max(thresholds.theaterExecutionMin, thresholds.partlyInPlace))
  );
}

/**
 * Theater: execution at least partly in place and clearly (by the margin) ahead of a prerequisite
 * that is actually missing; or practices underway while an outcome signal gets worse.
 */
export function theaterOf(
  prerequisites: PartResult,
  execution: PartResult,
  outcomes: readonly OutcomeResult[],
  thresholds: Thresholds,
): PhaseResult['theater'] {
  if (!executionUnderway(execution, thresholds)) return null;
  const aheadOf = prerequisites.checkpoints.filter(
    (c) => c.state === 'missing' && reaches(execution.score! - c.score!, thresholds.theaterMargin),
  );
  const worseningOutcomes = outcomes.filter((o) => o.trend === 'worse');
  return aheadOf.length > 0 || worseningOutcomes.length > 0 ? { aheadOf, worseningOutcomes } : null;
}

export function phaseStatus(
  prerequisites: PartResult,
  execution: PartResult,
  theater: PhaseResult['theater'],
): PhaseStatus {
  const all = [...prerequisites.checkpoints, ...execution.checkpoints];
  if (!all.some((c) => c.tally.rated.length + c.tally.dontKnow + c.tally.notApplicable > 0)) return 'not_started';
  if (!all.some(rated)) return 'no_evidence';
  if (theater) return 'theater';
  if (prerequisites.met) return execution.met ? 'achieved' : 'executing';
  return 'stalled';
}

function assessPhase(
  definition: Definition,
  phase: Phase,
  index: number,
  tallies: ReadonlyMap<string, CheckpointTally>,
  respondents: number,
): Omit<PhaseResult, 'counted'> {
  const { thresholds } = definition;
  const tallyOf = (id: string) => tallies.get(id) ?? emptyTally(respondents);
  const results = phaseCheckpoints(phase, index).map((checkpoint) =>
    checkpointResult(checkpoint, tallyOf(checkpoint.id), definition),
  );
  const prerequisites = prerequisitesResult(
    results.filter((r) => r.checkpoint.part === 'prerequisites'),
    thresholds,
  );
  const execution = executionResult(
    results.filter((r) => r.checkpoint.part === 'execution'),
    thresholds,
  );
  const outcomes = phaseOutcomes(phase, index).map((o) => outcomeResult(o, tallyOf(o.id)));
  const theater = theaterOf(prerequisites, execution, outcomes, thresholds);
  const status = phaseStatus(prerequisites, execution, theater);
  return {
    phase,
    index,
    status,
    prerequisitesUnclear:
      !prerequisites.met && prerequisites.checkpoints.every((c) => c.state !== 'missing') && prerequisites.reason !== 'soft_spots',
    prerequisites,
    execution,
    outcomes,
    theater,
    confidence: confidenceOf(results.map((r) => r.tally), thresholds),
  };
}

/** How urgent an open checkpoint is: a missing one before not knowing, before unanswered, before a soft spot. */
const stateRank: Record<CheckpointState, number> = {
  missing: 0,
  unknown: 1,
  unanswered: 2,
  partial: 3,
  met: 4,
  not_applicable: 5,
};

function byUrgency(a: CheckpointResult, b: CheckpointResult): number {
  return stateRank[a.state] - stateRank[b.state] || (a.score ?? 0) - (b.score ?? 0);
}

function isOpen(result: CheckpointResult): boolean {
  return result.state !== 'met' && result.state !== 'not_applicable';
}

function countStates(checkpoints: readonly CheckpointResult[]): Record<CheckpointState, number> {
  const counts: Record<CheckpointState, number> = { met: 0, partial: 0, missing: 0, unknown: 0, unanswered: 0, not_applicable: 0 };
  for (const c of checkpoints) counts[c.state] += 1;
  return counts;
}

function partConstraint(result: Omit<PhaseResult, 'counted'> | PhaseResult, part: PartResult, thresholds: Thresholds): Constraint {
  const missingLevels = part.levels.filter((l) => l.score !== null && !l.inPlace).map((l) => l.level);
  let open = part.checkpoints.filter(isOpen);
  // A part with nothing in scope has nothing open: the "not applicable" answers are what to reconsider.
  if (open.length === 0 && part.verdict === 'no_evidence') open = part.checkpoints;
  // Met on the ratings but too little rated: the checkpoints most people could not rate are what to find out.
  if (open.length === 0 && part.reason === 'thin_evidence') {
    const unrated = (c: CheckpointResult) => 1 - c.tally.rated.length / Math.max(1, c.tally.respondents - c.tally.notApplicable);
    open = part.checkpoints.filter((c) => c.state !== 'not_applicable' && unrated(c) > 0).sort((a, b) => unrated(b) - unrated(a));
  }
  // A missing level is named by its own checkpoints first.
  const inMissingLevel = (c: CheckpointResult) => c.checkpoint.level !== null && missingLevels.includes(c.checkpoint.level);
  const weakest = [...open].sort(
    (a, b) => Number(inMissingLevel(b)) - Number(inMissingLevel(a)) || byUrgency(a, b),
  );
  return {
    phase: result.phase,
    phaseIndex: result.index,
    part: part.part,
    prerequisitesMet: result.prerequisites.met,
    reason: part.reason ?? 'thin_evidence',
    weakest: weakest.slice(0, maxNextSteps),
    counts: countStates(part.checkpoints),
    missingLevels,
    worseningOutcomes: [],
    confidence: confidenceOf(part.checkpoints.map((c) => c.tally), thresholds),
  };
}

/** Every unmet part in walk order: phases in order, prerequisites before execution, then outcomes. */
export function openParts(phases: readonly PhaseResult[], thresholds: Thresholds): Constraint[] {
  const found: Constraint[] = [];
  for (const result of phases) {
    if (!result.prerequisites.met) found.push(partConstraint(result, result.prerequisites, thresholds));
    if (!result.execution.met) found.push(partConstraint(result, result.execution, thresholds));
    const worsening = result.theater?.worseningOutcomes ?? [];
    if (result.prerequisites.met && result.execution.met && worsening.length > 0) {
      found.push({
        phase: result.phase,
        phaseIndex: result.index,
        part: 'outcomes',
        prerequisitesMet: true,
        reason: 'outcome_worse',
        weakest: [],
        counts: countStates([]),
        missingLevels: [],
        worseningOutcomes: worsening,
        confidence: result.execution.confidence,
      });
    }
  }
  return found;
}

const isRatedState = (state: CheckpointState) => state === 'met' || state === 'partial';

function stepKind(result: CheckpointResult): NextStepKind {
  switch (result.state) {
    case 'unknown':
      return 'find-out';
    case 'unanswered':
      return 'answer';
    case 'not_applicable':
      return 'reconsider';
    default:
      return 'act';
  }
}

/** At most three, from the constraint: its weakest checkpoints in order, or its worsening outcomes. */
export function nextSteps(constraint: Constraint | null): NextStep[] {
  if (!constraint) return [];
  if (constraint.part === 'outcomes') {
    return constraint.worseningOutcomes
      .slice(0, maxNextSteps)
      .map((outcome) => ({ kind: 'investigate' as const, result: null, outcome }));
  }
  return constraint.weakest.map((result) => ({
    kind: constraint.reason === 'thin_evidence' && isRatedState(result.state) ? ('find-out' as const) : stepKind(result),
    result,
    outcome: null,
  }));
}

/**
 * Answers that do not fit together, or that dodge a required prerequisite, most telling first (at
 * most three):
 * - a prerequisite rated at the top of the scale while a practice it should make visible is "don't know";
 * - a practice at the top while an outcome signal of the same phase gets worse;
 * - practices underway while none of the phase's outcome signals is measured;
 * - a later phase's prerequisite at the top while an earlier phase's prerequisite is missing;
 * - prerequisites marked "not applicable": they leave the scope, but the framework treats them as
 *   required of every organisation, so the leader is asked to check.
 */
export function contradictions(phases: readonly PhaseResult[], thresholds: Thresholds): Flag[] {
  const top = (c: CheckpointResult) => c.score !== null && reaches(c.score, 100);
  const flags: Flag[] = [];
  const flag = (kind: FlagKind, phaseIndex: number, strong: PlacedCheckpoint | null, weak: Flag['weak'], checkpoints: PlacedCheckpoint[] = []) =>
    flags.push({ kind, phaseIndex, strong, weak, checkpoints });
  for (const p of phases) {
    const strong = p.prerequisites.checkpoints.find(top);
    const unaware = p.execution.checkpoints.find((c) => c.state === 'unknown');
    if (strong && unaware) flag('sure-but-unaware', p.index, strong.checkpoint, unaware.checkpoint);
  }
  for (const p of phases) {
    const worse = p.outcomes.find((o) => o.trend === 'worse');
    const strong = p.execution.checkpoints.filter(top);
    if (worse && strong.length > 0) flag('practice-versus-outcome', p.index, strong[0]!.checkpoint, worse.outcome, strong.map((c) => c.checkpoint));
  }
  for (const p of phases) {
    const underway = p.execution.score !== null && reaches(p.execution.score, thresholds.partlyInPlace);
    if (underway && p.outcomes.length > 0 && p.outcomes.every((o) => o.trend === 'not_measured')) {
      flag('outcomes-not-measured', p.index, null, null);
    }
  }
  const firstMissing = phases.flatMap((p) => p.prerequisites.checkpoints).find((c) => c.state === 'missing');
  if (firstMissing) {
    const later = phases
      .slice(firstMissing.checkpoint.phaseIndex + 1)
      .flatMap((p) => p.prerequisites.checkpoints)
      .find(top);
    if (later) flag('later-ahead-of-missing', later.checkpoint.phaseIndex, later.checkpoint, firstMissing.checkpoint);
  }
  for (const p of phases) {
    const dodged = p.prerequisites.checkpoints.filter((c) => c.state === 'not_applicable').map((c) => c.checkpoint);
    const rated = p.prerequisites.checkpoints.some((c) => c.score !== null);
    // Every prerequisite out of scope is already the constraint ("reconsider"); some out of scope is easy to miss.
    if (dodged.length > 0 && rated) flag('prerequisite-not-applicable', p.index, null, null, dodged);
  }
  return flags.slice(0, maxFlags);
}

/**
 * For definitions that tag execution checkpoints with bottlenecks: the bottlenecks that show, most
 * likely first. A bottleneck shows when one of its practices is missing or its practices fall short of
 * the execution threshold; they rank by how many of their practices are missing, then by their two
 * weakest (so a bottleneck with many tagged practices is not diluted by its strong ones).
 */
export function likelyBottlenecks(definition: Definition, phases: readonly PhaseResult[]): BottleneckFinding[] {
  const execution = phases.flatMap((p) => p.execution.checkpoints);
  const missing = (f: BottleneckFinding) => f.checkpoints.filter((c) => c.state === 'missing').length;
  const weakestTwo = (f: BottleneckFinding) => mean(f.checkpoints.slice(0, 2).map((c) => c.score!));
  return (definition.bottlenecks ?? [])
    .flatMap((b) => {
      const here = execution.filter((c) => c.checkpoint.indicates === b.id && c.score !== null).sort(byUrgency);
      if (here.length === 0) return [];
      const finding = { id: b.id, score: mean(here.map((c) => c.score!)), checkpoints: here };
      const shows = missing(finding) > 0 || !reaches(finding.score, definition.thresholds.executionMet);
      return shows ? [finding] : [];
    })
    .sort((a, b) => missing(b) - missing(a) || weakestTwo(a) - weakestTwo(b) || a.score - b.score);
}

/** The whole diagnostic for a definition and the tallies of its respondents. */
export function diagnose(
  definition: Definition,
  tallies: ReadonlyMap<string, CheckpointTally>,
  respondents = 1,
): Diagnostic {
  const assessed = definition.phases.map((phase, index) => assessPhase(definition, phase, index, tallies, respondents));
  const firstUnachieved = assessed.findIndex((p) => p.status !== 'achieved');
  const phases: PhaseResult[] = assessed.map((p) => ({ ...p, counted: firstUnachieved === -1 || p.index <= firstUnachieved }));
  const confidence = confidenceOf(
    phases.flatMap((p) => [...p.prerequisites.checkpoints, ...p.execution.checkpoints].map((c) => c.tally)),
    definition.thresholds,
  );
  const anyRated = phases.some((p) => [...p.prerequisites.checkpoints, ...p.execution.checkpoints].some(rated));
  if (!anyRated) {
    return {
      verdict: 'no_evidence',
      respondents,
      phases,
      stageReached: null,
      constraint: null,
      nextConstraint: null,
      nextSteps: [],
      flags: [],
      bottlenecks: [],
      confidence,
    };
  }
  const [constraint = null, nextConstraint = null] = openParts(phases, definition.thresholds);
  return {
    verdict: 'diagnosed',
    respondents,
    phases,
    stageReached: firstUnachieved === -1 ? phases.length : firstUnachieved,
    constraint,
    nextConstraint,
    nextSteps: nextSteps(constraint),
    flags: contradictions(phases, definition.thresholds),
    bottlenecks: likelyBottlenecks(definition, phases),
    confidence,
  };
}
