import type { CheckpointTally } from './answers.js';
import { allCheckpoints, type CheckpointPart, type Definition } from './definition.js';
import { diagnose, scoreOf, type PhaseStatus } from './diagnostic.js';

/**
 * What moved between two rounds of the same assessment (a leader's quarter-on-quarter retake, or
 * a team's rounds): compared on equivalent checkpoints only. A checkpoint is equivalent across
 * versions when it keeps its id and every version in between declares it unchanged or reworded;
 * a split, a retirement or a new checkpoint breaks the comparison for it, and the break is marked.
 * Pure: the organisation level reuses it.
 */

export interface RoundSide {
  definition: Definition;
  tallies: ReadonlyMap<string, CheckpointTally>;
  respondents: number;
}

export type Movement = 'moved' | 'no_clear_change' | 'worse' | 'cant_tell';

export interface CheckpointComparison {
  checkpointId: string;
  statement: string;
  phaseIndex: number;
  part: CheckpointPart;
  comparable: boolean;
  before: number | null;
  after: number | null;
  /** After minus before, in 0–100 points; null when either side has no rating or it is not comparable. */
  delta: number | null;
  movement: Movement;
}

export interface PartComparison {
  /** Mean of the equivalent checkpoints rated on both sides; null when there are none. */
  before: number | null;
  after: number | null;
  delta: number | null;
  compared: number;
}

export interface PhaseComparison {
  phaseId: string;
  index: number;
  title: string;
  /** False when no checkpoint of this phase is equivalent and rated on both sides. */
  comparable: boolean;
  statusBefore: PhaseStatus | null;
  statusAfter: PhaseStatus;
  prerequisites: PartComparison;
  execution: PartComparison;
  /** Checkpoints of this phase (in the later version) that are compared, of how many. */
  compared: number;
  total: number;
}

export interface RoundComparison {
  /** The two rounds use different versions: only equivalent checkpoints are compared. */
  versionBreak: boolean;
  fromVersion: number;
  toVersion: number;
  phases: PhaseComparison[];
  checkpoints: CheckpointComparison[];
}

/**
 * Ids of `later` that mean the same in `earlier`: same assessment, and every version from the
 * earlier one (exclusive) to the later one (inclusive) keeps the id as unchanged or reworded.
 * `versions` holds the published definitions of the assessment (any order, others ignored).
 */
export function equivalentCheckpointIds(
  versions: readonly Definition[],
  earlier: Definition,
  later: Definition,
): Set<string> {
  if (earlier.id !== later.id) return new Set();
  const earlierIds = new Set(allCheckpoints(earlier).map((c) => c.id));
  const laterIds = allCheckpoints(later).map((c) => c.id);
  if (earlier.version === later.version) return new Set(laterIds);
  const [low, high] = earlier.version < later.version ? [earlier, later] : [later, earlier];
  const steps = versions
    .filter((d) => d.id === earlier.id && d.version > low.version && d.version <= high.version)
    .sort((a, b) => a.version - b.version);
  // Every version in between must be published, or the chain cannot be followed.
  if (steps.length !== high.version - low.version) return new Set();
  return new Set(
    laterIds.filter(
      (id) =>
        earlierIds.has(id) &&
        steps.every((d) => {
          const c = allCheckpoints(d).find((x) => x.id === id);
          return c !== undefined && (c.lineage?.kind === 'unchanged' || c.lineage?.kind === 'reworded');
        }),
    ),
  );
}

const mean = (values: readonly number[]) => (values.length === 0 ? null : values.reduce((s, v) => s + v, 0) / values.length);

/**
 * A single checkpoint's move: a change of at least `minimumMove` points (default: one step of the
 * scale) counts; less is no clear change. Groups pass a larger minimum for small or split rooms.
 */
export function movementOf(delta: number | null, comparable: boolean, minimumMove: number): Movement {
  if (!comparable || delta === null) return 'cant_tell';
  if (delta >= minimumMove - 1e-9) return 'moved';
  if (delta <= -minimumMove + 1e-9) return 'worse';
  return 'no_clear_change';
}

export function compareRounds(
  versions: readonly Definition[],
  earlier: RoundSide,
  later: RoundSide,
  options: { minimumMove?: number } = {},
): RoundComparison {
  const equivalent = equivalentCheckpointIds(versions, earlier.definition, later.definition);
  const step = 100 / (later.definition.scale.max - later.definition.scale.min);
  const minimumMove = options.minimumMove ?? step;
  const earlierDiagnostic = diagnose(earlier.definition, earlier.tallies, earlier.respondents);
  const laterDiagnostic = diagnose(later.definition, later.tallies, later.respondents);

  const checkpoints = allCheckpoints(later.definition).map<CheckpointComparison>((c) => {
    const comparable = equivalent.has(c.id);
    const before = comparable ? scoreOf(earlier.tallies.get(c.id)?.rated ?? [], earlier.definition.scale) : null;
    const after = scoreOf(later.tallies.get(c.id)?.rated ?? [], later.definition.scale);
    const delta = before === null || after === null ? null : after - before;
    return {
      checkpointId: c.id,
      statement: c.statement,
      phaseIndex: c.phaseIndex,
      part: c.part,
      comparable,
      before,
      after,
      delta,
      movement: movementOf(delta, comparable, minimumMove),
    };
  });

  const partOf = (list: readonly CheckpointComparison[]): PartComparison => {
    const both = list.filter((c) => c.delta !== null);
    const before = mean(both.map((c) => c.before!));
    const after = mean(both.map((c) => c.after!));
    return { before, after, delta: before === null || after === null ? null : after - before, compared: both.length };
  };

  const phases = later.definition.phases.map<PhaseComparison>((phase, index) => {
    const here = checkpoints.filter((c) => c.phaseIndex === index);
    const prerequisites = partOf(here.filter((c) => c.part === 'prerequisites'));
    const execution = partOf(here.filter((c) => c.part === 'execution'));
    const earlierIndex = earlier.definition.phases.findIndex((p) => p.id === phase.id);
    return {
      phaseId: phase.id,
      index,
      title: phase.title,
      comparable: prerequisites.compared + execution.compared > 0,
      statusBefore: earlierIndex === -1 ? null : earlierDiagnostic.phases[earlierIndex]!.status,
      statusAfter: laterDiagnostic.phases[index]!.status,
      prerequisites,
      execution,
      compared: here.filter((c) => c.delta !== null).length,
      total: here.length,
    };
  });

  return {
    versionBreak: earlier.definition.version !== later.definition.version,
    fromVersion: earlier.definition.version,
    toVersion: later.definition.version,
    phases,
    checkpoints,
  };
}

/** How each action's checkpoint moved between the rounds ("alongside the action", never "because of it"). */
export function actionMovements<A extends { checkpointId: string }>(
  actions: readonly A[],
  comparison: RoundComparison,
): (A & { movement: Movement; before: number | null; after: number | null })[] {
  const byId = new Map(comparison.checkpoints.map((c) => [c.checkpointId, c]));
  return actions.map((action) => {
    const c = byId.get(action.checkpointId);
    return c
      ? { ...action, movement: c.movement, before: c.before, after: c.after }
      : { ...action, movement: 'cant_tell' as const, before: null, after: null };
  });
}
