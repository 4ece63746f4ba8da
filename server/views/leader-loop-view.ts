import type { Answer } from '../domain/answers.js';
import { actionMovements, type Movement, type RoundComparison } from '../domain/comparison.js';
import { allCheckpoints, type Definition } from '../domain/definition.js';
import { statusLabels } from './diagnostic-view.js';

/**
 * The leader's loop on a private link: actions recorded against the constraint, and what moved
 * since the previous quarter's response (on equivalent checkpoints only).
 */

export const movementLabels: Record<Movement, string> = {
  moved: 'Moved up',
  no_clear_change: 'No clear change',
  worse: 'Moved down',
  cant_tell: 'Can’t tell',
};

export interface ActionInput {
  checkpointId: string;
  description: string;
  owner: string;
  dueQuarter: string;
}

export interface ActionFormState {
  checkpointId: string;
  values: { description: string; owner: string; due: string };
  errors: { field: string; message: string }[];
}

const round = (n: number | null) => (n === null ? null : Math.round(n));
const signed = (n: number | null) => (n === null ? '–' : `${n > 0 ? '+' : n < 0 ? '−' : '±'}${Math.abs(Math.round(n))}`);

export function actionsView(definition: Definition, actions: readonly ActionInput[], deletePath: (checkpointId: string) => string) {
  const statementOf = new Map(allCheckpoints(definition).map((c) => [c.id, c.statement]));
  return actions.map((a) => ({
    ...a,
    statement: statementOf.get(a.checkpointId) ?? a.checkpointId,
    deletePath: deletePath(a.checkpointId),
  }));
}

export function sinceLastTimeView(
  comparison: RoundComparison,
  previous: { createdAt: Date; actions: readonly ActionInput[]; definition: Definition },
) {
  const statementOf = new Map(comparison.checkpoints.map((c) => [c.checkpointId, c.statement]));
  const previousStatement = new Map(allCheckpoints(previous.definition).map((c) => [c.id, c.statement]));
  return {
    since: previous.createdAt.toISOString().slice(0, 10),
    versionBreak: comparison.versionBreak,
    versionNote: comparison.versionBreak
      ? `The earlier response used version ${comparison.fromVersion} and this one version ${comparison.toVersion}: only checkpoints that mean the same in both are compared; the others are left out.`
      : undefined,
    phases: comparison.phases.map((p) => ({
      number: p.index + 1,
      title: p.title,
      comparable: p.comparable,
      statusBefore: p.statusBefore ? statusLabels[p.statusBefore] : '–',
      statusAfter: statusLabels[p.statusAfter],
      prerequisites: `${round(p.prerequisites.before) ?? '–'} → ${round(p.prerequisites.after) ?? '–'} (${signed(p.prerequisites.delta)})`,
      execution: `${round(p.execution.before) ?? '–'} → ${round(p.execution.after) ?? '–'} (${signed(p.execution.delta)})`,
      compared: `${p.compared} of ${p.total}`,
    })),
    actions: actionMovements(previous.actions, comparison).map((a) => ({
      ...a,
      statement: statementOf.get(a.checkpointId) ?? previousStatement.get(a.checkpointId) ?? a.checkpointId,
      movementLabel: movementLabels[a.movement],
      sentence:
        a.movement === 'cant_tell'
          ? 'This checkpoint cannot be compared (not rated both times, or its meaning changed between versions).'
          : `Alongside this action, the checkpoint went from ${round(a.before)} to ${round(a.after)}.`,
    })),
  };
}

/** The previous response's answers as the comparison needs them (one respondent). */
export type PreviousRound = { definition: Definition; answers: ReadonlyMap<string, Answer>; createdAt: Date; actions: ActionInput[] };
