import type { Definition, Phase } from '../domain/definition.js';
import { confidenceOf } from '../domain/diagnostic.js';
import type {
  CheckpointResult,
  Confidence,
  Diagnostic,
  NextStep,
  PhaseResult,
  PhaseStatus,
} from '../domain/diagnostic.js';

/**
 * What a results page shows, in the product's words: built from a diagnostic,
 * so one respondent's results and (later) a group's read the same way.
 */

export const statusLabels: Record<PhaseStatus, string> = {
  not_started: 'Not started',
  achieved: 'Achieved',
  executing: 'Executing',
  theater: 'Theater',
  stalled: 'Stalled',
};

function waitingOn(phase: Phase): string {
  return phase.prerequisites.some((p) => p.owner === 'frontline') ? 'the frontline' : 'leadership';
}

export function statusMeaning(result: PhaseResult): string {
  switch (result.status) {
    case 'not_started':
      return 'Nothing in this phase has been answered yet.';
    case 'achieved':
      return 'The prerequisites are in place and execution has followed.';
    case 'executing':
      return 'The prerequisites are in place; execution has not caught up yet. The next move belongs to the teams.';
    case 'theater':
      return `Execution is running ahead of prerequisites that are not met. Expect activity without lasting effect until ${waitingOn(result.phase)} closes the gap.`;
    case 'stalled':
      if (result.prerequisitesUnclear) {
        return 'Too little is known about the prerequisites to call them met: find out whether they are in place before judging execution.';
      }
      return `The prerequisites are not met and execution is not moving without them: it is waiting on ${waitingOn(result.phase)}.`;
  }
}

export function confidenceView(c: Confidence) {
  if (c.applicable === 0) {
    return { level: c.level, label: 'No evidence', detail: 'nothing here applies' };
  }
  const parts = [`${c.rated} of ${c.applicable} rated`];
  if (c.dontKnow > 0) parts.push(`${c.dontKnow} “don’t know”`);
  if (c.unanswered > 0) parts.push(`${c.unanswered} unanswered`);
  return {
    level: c.level,
    label: { high: 'High confidence', medium: 'Medium confidence', low: 'Low confidence' }[c.level],
    detail: parts.join(', '),
  };
}

function checkpointView(definition: Definition, r: CheckpointResult) {
  const stateLabel = {
    met: 'In place',
    gap: 'Gap',
    unknown: 'Not known',
    unanswered: 'Not answered',
    not_applicable: 'Not applicable',
  }[r.state];
  return {
    id: r.checkpoint.id,
    phaseId: r.checkpoint.phaseId,
    statement: r.checkpoint.statement,
    part: r.checkpoint.part,
    level: r.checkpoint.level,
    withoutThis: r.checkpoint.withoutThis,
    inPlace: r.checkpoint.guidance.inPlace,
    firstStep: r.checkpoint.guidance.firstStep,
    score: r.score,
    state: r.state,
    stateLabel,
    scaleLabel:
      r.tally.rated.length === 1 && r.tally.respondents === 1
        ? definition.scale.points.find((p) => p.value === r.tally.rated[0])?.label
        : undefined,
  };
}

function partName(part: 'prerequisites' | 'execution', phase: Phase): string {
  return part === 'prerequisites' ? `${waitingOn(phase) === 'leadership' ? 'leadership' : 'frontline'} prerequisites` : 'execution';
}

export function constraintSentence(diagnostic: Diagnostic, definition: Definition): string {
  const c = diagnostic.constraint;
  if (!c) return `Every phase is achieved: there is no principal constraint in ${definition.title}.`;
  const where = `phase ${c.phaseIndex + 1}, ${c.phase.title}`;
  if (c.part === 'prerequisites') {
    return `The principal constraint is the ${partName('prerequisites', c.phase)} of ${where}: until they are in place, execution in this phase and every phase after it is waiting on them.`;
  }
  return `The principal constraint is execution in ${where}: the prerequisites are in place, so the work that unblocks progress now belongs to the teams.`;
}

function nextStepView(definition: Definition, step: NextStep, constraintPart: 'prerequisites' | 'execution') {
  const checkpoint = checkpointView(definition, step.result);
  const reason =
    constraintPart === 'prerequisites'
      ? `Gates ${step.unblocks} execution checkpoint${step.unblocks === 1 ? '' : 's'} in this phase and the phases after it.`
      : 'Closes an execution gap in the constraint phase.';
  const action =
    step.kind === 'act'
      ? checkpoint.firstStep
      : step.result.state === 'unknown'
        ? `Find out whether this is in place: ask the people closest to it. ${checkpoint.firstStep}`
        : `Answer this checkpoint first; it is part of the constraint. ${checkpoint.firstStep}`;
  return { ...checkpoint, kind: step.kind, action, reason };
}

export function resultsView(definition: Definition, diagnostic: Diagnostic) {
  const phases = diagnostic.phases.map((p) => ({
    id: p.phase.id,
    number: p.index + 1,
    title: p.phase.title,
    summary: p.phase.summary,
    status: p.status,
    statusLabel: statusLabels[p.status],
    meaning: statusMeaning(p),
    theaterSigns: p.status === 'theater' ? p.phase.theaterSigns : undefined,
    withoutPrerequisites: p.status === 'theater' || p.status === 'stalled' ? p.phase.withoutPrerequisites : undefined,
    prerequisiteScore: p.prerequisites.score,
    executionScore: p.execution.score,
    prerequisitesMet: p.prerequisites.met,
    executionMet: p.execution.met,
    confidence: confidenceView(p.confidence),
  }));
  const stagePhase = diagnostic.stageReached > 0 ? definition.phases[diagnostic.stageReached - 1] : undefined;
  const constraint = diagnostic.constraint;
  return {
    stage: {
      reached: diagnostic.stageReached,
      of: definition.phases.length,
      title: stagePhase?.title,
      // The stage rests on the phases up to and including the first one not achieved.
      confidence: confidenceView(
        confidenceOf(
          diagnostic.phases
            .slice(0, Math.min(diagnostic.stageReached + 1, diagnostic.phases.length))
            .flatMap((p) => [...p.prerequisites.checkpoints, ...p.execution.checkpoints].map((c) => c.tally)),
          definition.thresholds,
        ),
      ),
    },
    constraint: constraint
      ? {
          sentence: constraintSentence(diagnostic, definition),
          phaseNumber: constraint.phaseIndex + 1,
          phaseId: constraint.phase.id,
          phaseTitle: constraint.phase.title,
          part: constraint.part,
          weakest: constraint.weakest.map((r) => checkpointView(definition, r)),
          confidence: confidenceView(constraint.confidence),
        }
      : undefined,
    noConstraintSentence: constraint ? undefined : constraintSentence(diagnostic, definition),
    phases,
    theater: phases.filter((p) => p.status === 'theater'),
    nextSteps: constraint ? diagnostic.nextSteps.map((s) => nextStepView(definition, s, constraint.part)) : [],
    confidence: confidenceView(diagnostic.confidence),
    chart: {
      type: 'phase-scores',
      labels: phases.map((p) => `${p.number}. ${p.title}`),
      prerequisites: phases.map((p) => (p.prerequisiteScore === null ? null : Math.round(p.prerequisiteScore))),
      execution: phases.map((p) => (p.executionScore === null ? null : Math.round(p.executionScore))),
      thresholds: {
        prerequisites: definition.thresholds.prerequisitesMet,
        execution: definition.thresholds.executionMet,
      },
    },
  };
}
