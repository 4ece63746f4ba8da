import type { CheckpointTally } from './answers.js';
import {
  phaseCheckpoints,
  type CheckpointPart,
  type Definition,
  type Phase,
  type PlacedCheckpoint,
  type Thresholds,
} from './definition.js';

/**
 * The diagnostic: for each phase, prerequisites first, then execution; where
 * execution stalls on a missing prerequisite, where it runs ahead as theater,
 * and the one principal constraint to work on next. Pure: answers in, findings
 * out. The same functions serve one respondent and a group (through tallies).
 */

export type PhaseStatus = 'not_started' | 'achieved' | 'executing' | 'theater' | 'stalled';
export type ConfidenceLevel = 'high' | 'medium' | 'low';
export type CheckpointState = 'met' | 'gap' | 'unknown' | 'unanswered' | 'not_applicable';

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

export interface PartResult {
  part: CheckpointPart;
  /** 0–100: the mean of the checkpoint scores; null when nothing is rated. */
  score: number | null;
  /** The score reaches the threshold on enough evidence (confidence not low), or nothing here is in scope. */
  met: boolean;
  confidence: Confidence;
  checkpoints: CheckpointResult[];
}

export interface PhaseResult {
  phase: Phase;
  index: number;
  status: PhaseStatus;
  /** Prerequisites not met for lack of evidence (mostly "don't know" or unanswered), not for a low score. */
  prerequisitesUnclear: boolean;
  prerequisites: PartResult;
  execution: PartResult;
  confidence: Confidence;
}

export interface Constraint {
  phase: Phase;
  phaseIndex: number;
  part: CheckpointPart;
  /** The part's weakest checkpoints, weakest first (at most three). */
  weakest: CheckpointResult[];
  confidence: Confidence;
}

export interface NextStep {
  result: CheckpointResult;
  /** "act" closes a rated gap; "find-out" settles a "don't know" or an unanswered checkpoint. */
  kind: 'act' | 'find-out';
  /** How many execution checkpoints this step unblocks (a prerequisite gates its phase and every later one). */
  unblocks: number;
}

export interface Diagnostic {
  phases: PhaseResult[];
  /** Number of phases achieved in order from the first (0 = none). */
  stageReached: number;
  constraint: Constraint | null;
  nextSteps: NextStep[];
  confidence: Confidence;
}

const emptyTally = (respondents: number): CheckpointTally => ({
  rated: [],
  dontKnow: 0,
  notApplicable: 0,
  respondents,
});

const mean = (values: readonly number[]): number =>
  values.reduce((sum, v) => sum + v, 0) / values.length;

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
    share >= thresholds.confidenceHigh ? 'high' : share >= thresholds.confidenceMedium ? 'medium' : 'low';
  return { level, share, applicable, rated, dontKnow, unanswered };
}

function checkpointResult(
  checkpoint: PlacedCheckpoint,
  tally: CheckpointTally,
  scale: Definition['scale'],
  metAt: number,
): CheckpointResult {
  const span = scale.max - scale.min;
  const score = tally.rated.length === 0 ? null : ((mean(tally.rated) - scale.min) / span) * 100;
  const applicable = tally.respondents - tally.notApplicable;
  let state: CheckpointState;
  if (tally.respondents > 0 && applicable === 0) state = 'not_applicable';
  else if (score !== null) state = score >= metAt ? 'met' : 'gap';
  else if (tally.dontKnow > 0) state = 'unknown';
  else state = 'unanswered';
  return { checkpoint, score, state, tally };
}

function partResult(part: CheckpointPart, checkpoints: CheckpointResult[], metAt: number, thresholds: Thresholds): PartResult {
  const scored = checkpoints.flatMap((c) => (c.score === null ? [] : [c.score]));
  const score = scored.length === 0 ? null : mean(scored);
  const inScope = checkpoints.some((c) => c.state !== 'not_applicable');
  const confidence = confidenceOf(checkpoints.map((c) => c.tally), thresholds);
  // Everything out of scope: nothing is required here. Otherwise the score must reach the
  // threshold on enough evidence: a part that is mostly "don't know" or unanswered is not met.
  const met = !inScope || (score !== null && score >= metAt && confidence.level !== 'low');
  return { part, score, met, confidence, checkpoints };
}

export function phaseStatus(
  prerequisites: PartResult,
  execution: PartResult,
  thresholds: Thresholds,
): PhaseStatus {
  const answered = [...prerequisites.checkpoints, ...execution.checkpoints].some(
    (c) => c.tally.rated.length + c.tally.dontKnow + c.tally.notApplicable > 0,
  );
  if (!answered) return 'not_started';
  if (prerequisites.met) return execution.met ? 'achieved' : 'executing';
  // Running ahead needs something to run ahead of: a rated prerequisite score and
  // enough execution evidence. Unknown prerequisites make the phase stalled, not theater.
  const runningAhead =
    prerequisites.score !== null &&
    execution.score !== null &&
    execution.confidence.level !== 'low' &&
    execution.score >= thresholds.theaterExecutionMin &&
    execution.score - prerequisites.score >= thresholds.theaterMargin;
  return runningAhead ? 'theater' : 'stalled';
}

function assessPhase(
  definition: Definition,
  phase: Phase,
  index: number,
  tallies: ReadonlyMap<string, CheckpointTally>,
  respondents: number,
): PhaseResult {
  const { thresholds, scale } = definition;
  const results = phaseCheckpoints(phase, index).map((checkpoint) =>
    checkpointResult(
      checkpoint,
      tallies.get(checkpoint.id) ?? emptyTally(respondents),
      scale,
      checkpoint.part === 'prerequisites' ? thresholds.prerequisitesMet : thresholds.executionMet,
    ),
  );
  const prerequisites = partResult(
    'prerequisites',
    results.filter((r) => r.checkpoint.part === 'prerequisites'),
    thresholds.prerequisitesMet,
    thresholds,
  );
  const execution = partResult(
    'execution',
    results.filter((r) => r.checkpoint.part === 'execution'),
    thresholds.executionMet,
    thresholds,
  );
  return {
    phase,
    index,
    status: phaseStatus(prerequisites, execution, thresholds),
    prerequisitesUnclear:
      !prerequisites.met &&
      prerequisites.confidence.level === 'low' &&
      (prerequisites.score === null || prerequisites.score >= thresholds.prerequisitesMet),
    prerequisites,
    execution,
    confidence: confidenceOf(results.map((r) => r.tally), thresholds),
  };
}

const stateRank: Record<CheckpointState, number> = { gap: 0, unknown: 1, unanswered: 2, met: 3, not_applicable: 4 };

/** Weakest first: rated gaps by score, then "don't know", then unanswered. */
function byWeakness(a: CheckpointResult, b: CheckpointResult): number {
  return stateRank[a.state] - stateRank[b.state] || (a.score ?? 0) - (b.score ?? 0);
}

function isOpen(result: CheckpointResult): boolean {
  return result.state === 'gap' || result.state === 'unknown' || result.state === 'unanswered';
}

/** Walk the phases in order, prerequisites before execution: the first part not met. */
export function principalConstraint(phases: readonly PhaseResult[], thresholds: Thresholds): Constraint | null {
  for (const result of phases) {
    for (const part of [result.prerequisites, result.execution]) {
      if (part.met) continue;
      return {
        phase: result.phase,
        phaseIndex: result.index,
        part: part.part,
        weakest: part.checkpoints.filter(isOpen).sort(byWeakness).slice(0, 3),
        confidence: confidenceOf(part.checkpoints.map((c) => c.tally), thresholds),
      };
    }
  }
  return null;
}

/**
 * The constraint's open checkpoints, most unblocking first: a prerequisite gates
 * the execution of its phase and of every phase after it; an execution gap
 * unblocks itself. Ties go to the weakest.
 */
export function nextSteps(constraint: Constraint | null, phases: readonly PhaseResult[]): NextStep[] {
  if (!constraint) return [];
  const phase = phases[constraint.phaseIndex]!;
  const part = constraint.part === 'prerequisites' ? phase.prerequisites : phase.execution;
  const gatedExecution = phases
    .slice(constraint.phaseIndex)
    .reduce((sum, p) => sum + p.execution.checkpoints.filter((c) => c.state !== 'not_applicable').length, 0);
  return part.checkpoints
    .filter(isOpen)
    .sort(byWeakness)
    .map((result) => ({
      result,
      kind: result.state === 'gap' ? ('act' as const) : ('find-out' as const),
      unblocks: constraint.part === 'prerequisites' ? gatedExecution : 1,
    }))
    .sort((a, b) => b.unblocks - a.unblocks);
}

/** The whole diagnostic for a definition and the tallies of its respondents. */
export function diagnose(
  definition: Definition,
  tallies: ReadonlyMap<string, CheckpointTally>,
  respondents = 1,
): Diagnostic {
  const phases = definition.phases.map((phase, index) =>
    assessPhase(definition, phase, index, tallies, respondents),
  );
  const firstUnachieved = phases.findIndex((p) => p.status !== 'achieved');
  const stageReached = firstUnachieved === -1 ? phases.length : firstUnachieved;
  const constraint = principalConstraint(phases, definition.thresholds);
  return {
    phases,
    stageReached,
    constraint,
    nextSteps: nextSteps(constraint, phases),
    confidence: confidenceOf(
      phases.flatMap((p) => [...p.prerequisites.checkpoints, ...p.execution.checkpoints].map((c) => c.tally)),
      definition.thresholds,
    ),
  };
}
