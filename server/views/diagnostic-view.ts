import type { Definition, ExecutionLevel, Owner, Phase, PlacedCheckpoint } from '../domain/definition.js';
import { confidenceOf } from '../domain/diagnostic.js';
import type {
  BottleneckFinding,
  CheckpointResult,
  CheckpointState,
  Confidence,
  Constraint,
  Diagnostic,
  Flag,
  NextStep,
  OutcomeResult,
  OutcomeTrendState,
  PhaseResult,
  PhaseStatus,
} from '../domain/diagnostic.js';

/**
 * What a results page shows, in the product's words: built from a diagnostic,
 * so one respondent's results and a group's read the same way.
 */

export const statusLabels: Record<PhaseStatus, string> = {
  not_started: 'Not started',
  no_evidence: 'No evidence',
  achieved: 'Achieved',
  executing: 'Executing',
  theater: 'Theater',
  stalled: 'Stalled',
};

/** The label a phase carries on the page: phases after the first one not achieved are not counted yet. */
export function phaseLabel(result: Pick<PhaseResult, 'status' | 'counted' | 'prerequisitesUnclear'>): string {
  const own = result.status === 'stalled' && result.prerequisitesUnclear ? 'Stalled: prerequisites unclear' : statusLabels[result.status];
  if (result.counted) return own;
  if (result.status === 'achieved') return 'In place, not yet counted';
  return `${own}, not yet counted`;
}

export const ownerLabels: Record<Owner, string> = {
  leadership: 'Engineering leadership',
  managers: 'Engineering managers and tech leads',
  teams: 'The teams',
  individuals: 'Each engineer',
  frontline: 'The teams themselves (leadership sets the conditions; it cannot be ordered)',
};

const levelOwner: Record<ExecutionLevel, Owner> = { individual: 'individuals', team: 'teams', organisation: 'leadership' };
const levelNames: Record<ExecutionLevel, string> = { individual: 'individual', team: 'team', organisation: 'organisation' };

export function ownerOf(checkpoint: PlacedCheckpoint): Owner {
  return checkpoint.owner ?? (checkpoint.level ? levelOwner[checkpoint.level] : 'leadership');
}

function waitingOn(phase: Phase): string {
  return phase.prerequisites.some((p) => p.owner === 'frontline') ? 'the frontline' : 'leadership';
}

const quoted = (text: string) => `“${text.replace(/\.$/, '')}”`;
const listOf = (items: readonly string[]) =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;

export function statusMeaning(result: PhaseResult): string {
  const ahead = result.theater?.aheadOf ?? [];
  const worsening = result.theater?.worseningOutcomes ?? [];
  switch (result.status) {
    case 'not_started':
      return 'Nothing in this phase has been answered yet.';
    case 'no_evidence':
      return 'Nothing in this phase was rated (only “not applicable” or “don’t know”), so there is no verdict on it.';
    case 'achieved':
      return 'The prerequisites are in place and execution has followed at every level.';
    case 'executing':
      if (result.execution.verdict === 'no_evidence' || result.execution.reason === 'unanswered') {
        return 'The prerequisites are in place; the practices have not been rated yet, so there is nothing to judge execution on.';
      }
      if (result.execution.reason === 'thin_evidence') {
        return 'The prerequisites are in place; too few practices were rated to say whether execution has followed.';
      }
      return 'The prerequisites are in place; execution has not caught up yet. The next move belongs to the people doing the work.';
    case 'theater':
      if (ahead.length > 0) {
        return `Execution is running ahead of ${ahead.length === 1 ? 'a prerequisite that is' : 'prerequisites that are'} missing (${listOf(ahead.map((c) => quoted(c.checkpoint.statement)))}). Expect activity without lasting effect until ${waitingOn(result.phase)} closes the gap.`;
      }
      return `${result.execution.met ? 'The practices are in place' : 'The practices are spreading'}, yet ${listOf(worsening.map((o) => quoted(o.outcome.statement)))} ${worsening.length === 1 ? 'is' : 'are'} getting worse: output is up while the result is not.`;
    case 'stalled':
      if (result.prerequisitesUnclear) {
        return 'Not enough is known about the prerequisites to call them in place: find out before judging execution.';
      }
      if (result.execution.met) {
        return 'Execution is in place, but the prerequisites under it are not: without them it will not hold.';
      }
      return `The prerequisites are not in place and execution is not moving without them: it is waiting on ${waitingOn(result.phase)}.`;
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

const stateLabels: Record<CheckpointState, string> = {
  met: 'In place',
  partial: 'Partly in place',
  missing: 'Missing',
  unknown: 'Not known',
  unanswered: 'Not answered',
  not_applicable: 'Not applicable',
};

function checkpointView(definition: Definition, r: CheckpointResult) {
  const owner = ownerOf(r.checkpoint);
  return {
    id: r.checkpoint.id,
    phaseId: r.checkpoint.phaseId,
    statement: r.checkpoint.statement,
    part: r.checkpoint.part,
    level: r.checkpoint.level,
    owner,
    ownerLabel: ownerLabels[owner],
    withoutThis: r.checkpoint.withoutThis,
    inPlace: r.checkpoint.guidance.inPlace,
    firstStep: r.checkpoint.guidance.firstStep,
    score: r.score,
    state: r.state,
    stateLabel: stateLabels[r.state],
    scaleLabel:
      r.tally.rated.length === 1 && r.tally.respondents === 1
        ? definition.scale.points.find((p) => p.value === r.tally.rated[0])?.label
        : undefined,
  };
}

const trendLabels = (definition: Definition): Record<OutcomeTrendState, string> => ({
  worse: definition.outcomeScale?.worse.label ?? 'Getting worse',
  flat: definition.outcomeScale?.flat.label ?? 'About the same',
  better: definition.outcomeScale?.better.label ?? 'Getting better',
  mixed: 'Answers split',
  not_measured: definition.outcomeScale?.notMeasured.label ?? 'Not measured',
  unanswered: 'Not answered',
  not_applicable: 'Not applicable',
});

function outcomeView(definition: Definition, o: OutcomeResult) {
  return {
    id: o.outcome.id,
    statement: o.outcome.statement,
    trend: o.trend,
    trendLabel: trendLabels(definition)[o.trend],
    measure: o.outcome.guidance.measure,
    firstStep: o.outcome.guidance.firstStep,
    withoutThis: o.outcome.withoutThis,
    ownerLabel: ownerLabels[o.outcome.owner],
    counts: { worse: o.worse, flat: o.flat, better: o.better, notMeasured: o.notMeasured },
  };
}

const phaseName = (c: Pick<Constraint, 'phase' | 'phaseIndex'>) => `phase ${c.phaseIndex + 1}, ${c.phase.title}`;

/** The constraint in plain words: its actual weakest checkpoints and what happens without them. */
export function constraintSentence(constraint: Constraint, definition: Definition): string {
  const where = phaseName(constraint);
  const named = constraint.weakest.map((w) => quoted(w.checkpoint.statement));
  const first = constraint.weakest[0];
  const several = constraint.part === 'prerequisites' && constraint.counts.missing + constraint.counts.partial > 1;
  // One named prerequisite: its own consequence; several: what the phase turns into without them.
  const without = several
    ? ` Without them: ${constraint.phase.withoutPrerequisites}`
    : first?.checkpoint.withoutThis
      ? ` Without it: ${first.checkpoint.withoutThis}`
      : '';
  const practicesStatus = constraint.prerequisitesMet
    ? 'the prerequisites are in place, but '
    : 'once the prerequisites are in place, this comes next: ';
  switch (constraint.reason) {
    case 'missing': {
      const missing = constraint.weakest.filter((w) => w.state === 'missing');
      const count = constraint.counts.missing;
      const more = count > missing.length ? ` (and ${count - missing.length} more)` : '';
      return `In ${where}, ${count === 1 ? 'a prerequisite is missing' : `${count} prerequisites are missing`}: ${listOf(missing.map((w) => quoted(w.checkpoint.statement)))}${more}.${without}`;
    }
    case 'unknown': {
      const tally = first!.tally;
      const who =
        tally.respondents <= 1
          ? 'you do not know'
          : `${tally.dontKnow} of ${tally.respondents - tally.notApplicable} do not know`;
      return `In ${where}, ${who} whether this prerequisite is in place: ${named[0]}. Not knowing is the finding: the phase cannot count as achieved until you find out.`;
    }
    case 'unanswered': {
      const what = constraint.part === 'prerequisites' ? 'prerequisite' : 'practice';
      const count = constraint.counts.unanswered;
      const c = constraint.counts;
      if (c.met + c.partial + c.missing + c.unknown === 0 && count > 1) {
        return `In ${where}, none of the ${count} ${what}s is answered yet: the phase cannot be judged until they are.`;
      }
      return `In ${where}, ${count === 1 ? `a ${what} has` : `${count} ${what}s have`} not been answered yet: ${listOf(named)}. The phase cannot be judged without ${count === 1 ? 'it' : 'them'}.`;
    }
    case 'soft_spots':
      return `In ${where}, too many prerequisites are only partly in place (at most ${definition.thresholds.softSpotsAllowed} may be): ${listOf(named)}.${without}`;
    case 'level_missing':
      return `In ${where}, ${practicesStatus}execution at the ${listOf(constraint.missingLevels.map((l) => levelNames[l]))} level is not even partly in place: ${listOf(named)}.`;
    case 'practices_missing':
      return `In ${where}, ${practicesStatus}${constraint.counts.missing} practices are missing, and a good average does not make up for them: ${listOf(named)}.`;
    case 'below_target':
      return `In ${where}, ${practicesStatus}execution is short of the mark. The weakest practices: ${listOf(named)}.`;
    case 'thin_evidence':
      return `In ${where}, too few answers were rated to call the ${constraint.part === 'prerequisites' ? 'prerequisites' : 'practices'} in place${named.length > 0 ? `; least known: ${listOf(named)}` : ''}.`;
    case 'no_evidence':
      return constraint.part === 'prerequisites'
        ? `In ${where}, no prerequisite was rated (all not applicable), so nothing shows they are in place; check whether they really do not apply.`
        : `In ${where}, no practice was rated yet, so execution cannot count as in place.`;
    case 'outcome_worse':
      return `In ${where}, the practices are in place, yet ${listOf(constraint.worseningOutcomes.map((o) => quoted(o.outcome.statement)))} ${constraint.worseningOutcomes.length === 1 ? 'is' : 'are'} getting worse: practice without result is output theater. ${constraint.worseningOutcomes[0]!.outcome.withoutThis}`;
  }
}

/** Where progress stands on this step, in words a leader uses (not a count of checkpoints). */
function blocksSentence(constraint: Constraint, definition: Definition): string {
  const n = constraint.phaseIndex + 1;
  const later = definition.phases.length - n;
  const behind = (what: string) =>
    later === 0 ? '' : later === 1 ? `, and phase ${n + 1} waits behind ${what}` : `, and phases ${n + 1}–${definition.phases.length} wait behind ${what}`;
  if (constraint.part === 'prerequisites') return `Phase ${n} cannot count as achieved without it${behind('it')}.`;
  if (constraint.part === 'execution') return `Phase ${n} counts as achieved once its practices reach the mark at every level${behind('them')}.`;
  return `Phase ${n} counts as achieved once this measure stops getting worse.`;
}

const fallbackQuestions: Record<NextStep['kind'], string> = {
  act: 'What stops this from being in place today, and who can remove that this quarter?',
  'find-out': 'Who would know whether this is in place, and can we ask them this week?',
  answer: 'Which answer fits best, and what would you point to as evidence?',
  reconsider: 'Does this really not apply to us, or has it simply not started?',
  investigate: 'What changed when this started getting worse, and which of our new practices could explain it?',
};

function pauseFor(step: NextStep, constraint: Constraint): string {
  if (step.kind === 'find-out') return 'Hold decisions that assume the answer either way until you know.';
  if (step.kind === 'answer' || step.kind === 'reconsider') return 'Nothing yet: answer first, then read the diagnostic again.';
  if (step.kind === 'investigate') return `Stop counting adoption of ${constraint.phase.title.toLowerCase()} practices as success until the measure turns.`;
  if (constraint.phase.pauseWhileBlocked) return constraint.phase.pauseWhileBlocked;
  return constraint.part === 'prerequisites'
    ? `New roll-outs, adoption targets and training pushes for phase ${constraint.phaseIndex + 1}: they would run ahead of what is missing.`
    : `Work on later phases: phase ${constraint.phaseIndex + 1}’s practices come first.`;
}

function nextStepView(definition: Definition, step: NextStep, constraint: Constraint) {
  const blocks = blocksSentence(constraint, definition);
  if (step.outcome) {
    const outcome = outcomeView(definition, step.outcome);
    return {
      id: outcome.id,
      statement: outcome.statement,
      kind: step.kind,
      stateLabel: outcome.trendLabel,
      ownerLabel: outcome.ownerLabel,
      action: `Find out why this is getting worse while the practices look healthy. ${outcome.measure}`,
      why: outcome.withoutThis,
      done: 'The measure is flat or improving again, and the team can say which practice change turned it.',
      question: fallbackQuestions.investigate,
      pause: pauseFor(step, constraint),
      blocks,
    };
  }
  const checkpoint = checkpointView(definition, step.result!);
  const evidence = step.result!.checkpoint.evidencePrompt ?? checkpoint.inPlace;
  const action = {
    act: checkpoint.firstStep,
    'find-out': `Find out whether this is in place before acting on it: ask the people closest to it what they see, and look for this evidence: ${evidence}`,
    answer: 'Answer this checkpoint: it is part of the constraint, and the diagnostic cannot judge the phase without it.',
    reconsider: 'Check whether this really does not apply to you; if it does apply, rate it.',
    investigate: checkpoint.firstStep,
  }[step.kind];
  const known = step.kind === 'act';
  return {
    ...checkpoint,
    kind: step.kind,
    action,
    why: `${known ? '' : 'If it turns out not to be in place: '}${
      checkpoint.withoutThis ??
      (constraint.part === 'prerequisites' ? constraint.phase.withoutPrerequisites : `Without this practice, ${constraint.phase.title} stays unfinished at the ${checkpoint.level} level.`)
    }`,
    done: step.result!.checkpoint.evidencePrompt ?? checkpoint.inPlace,
    question: step.result!.checkpoint.question ?? fallbackQuestions[step.kind],
    pause: pauseFor(step, constraint),
    blocks,
  };
}

function flagView(definition: Definition, flag: Flag, respondents: number) {
  const who = respondents > 1 ? 'The group rates' : 'You rate';
  const whoNot = respondents > 1 ? 'the group does not know' : 'you do not know';
  const strong = flag.strong ? quoted(flag.strong.statement) : '';
  const weak = flag.weak ? quoted(flag.weak.statement) : '';
  const phase = definition.phases[flag.phaseIndex]!;
  const top = definition.scale.points.at(-1)!.label.toLowerCase();
  const sentence = {
    'sure-but-unaware': `${who} ${strong} as ${top}, but ${whoNot} whether ${weak}. Where the first is true, the second is usually visible.`,
    'later-ahead-of-missing': `${who} ${strong} as ${top}, while an earlier prerequisite is missing: ${weak}. Later phases rarely hold without the earlier ones.`,
    'practice-versus-outcome': `In ${phase.title}, ${flag.checkpoints.length === 1 ? 'a practice is' : `${flag.checkpoints.length} practices are`} rated ${top} (${strong}${flag.checkpoints.length > 1 ? ' among them' : ''}), yet ${weak} is getting worse. That is not proof either causes the other; it is the question to ask.`,
    'outcomes-not-measured': `The practices of ${phase.title} are underway, but none of its outcome signals is measured: there is no way to tell whether they help.`,
    'prerequisite-not-applicable': `In ${phase.title}, ${listOf(flag.checkpoints.map((c) => quoted(c.statement)))} ${flag.checkpoints.length === 1 ? 'was' : 'were'} marked not applicable, so ${flag.checkpoints.length === 1 ? 'it is' : 'they are'} left out. The framework treats prerequisites as needed by every organisation that adopts AI: check that ${flag.checkpoints.length === 1 ? 'it' : 'they'} really do${flag.checkpoints.length === 1 ? 'es' : ''} not apply.`,
  }[flag.kind];
  return {
    kind: flag.kind,
    sentence,
    prompt: 'Worth checking with the people doing the work: run this assessment as a workshop and compare their view with yours.',
  };
}

function bottleneckView(definition: Definition, finding: BottleneckFinding) {
  const bottleneck = definition.bottlenecks!.find((b) => b.id === finding.id)!;
  return {
    id: bottleneck.id,
    title: bottleneck.title,
    description: bottleneck.description,
    firstMove: bottleneck.firstMove,
    score: finding.score,
    checkpoints: finding.checkpoints.slice(0, 3).map((c) => checkpointView(definition, c)),
  };
}

function constraintView(definition: Definition, constraint: Constraint) {
  return {
    sentence: constraintSentence(constraint, definition),
    phaseNumber: constraint.phaseIndex + 1,
    phaseId: constraint.phase.id,
    phaseTitle: constraint.phase.title,
    part: constraint.part,
    reason: constraint.reason,
    ownerLabel:
      constraint.part === 'prerequisites'
        ? ownerLabels[constraint.phase.prerequisites.some((p) => p.owner === 'frontline') ? 'frontline' : 'leadership']
        : constraint.part === 'outcomes'
          ? listOf([...new Set(constraint.worseningOutcomes.map((o) => ownerLabels[o.outcome.owner]))])
          : listOf([...new Set(constraint.weakest.map((w) => ownerLabels[ownerOf(w.checkpoint)]))]),
    weakest: constraint.weakest.map((r) => checkpointView(definition, r)),
    worsening: constraint.worseningOutcomes.map((o) => outcomeView(definition, o)),
    confidence: confidenceView(constraint.confidence),
  };
}

/** What to answer when nothing is rated yet: per phase, what is there and what is missing. */
function toAnswerView(diagnostic: Diagnostic) {
  return diagnostic.phases.map((p) => {
    const all = [...p.prerequisites.checkpoints, ...p.execution.checkpoints];
    const count = (state: CheckpointState) => all.filter((c) => c.state === state).length;
    return {
      id: p.phase.id,
      number: p.index + 1,
      title: p.phase.title,
      total: all.length,
      notApplicable: count('not_applicable'),
      unknown: count('unknown'),
      unanswered: count('unanswered'),
    };
  });
}

export function resultsView(definition: Definition, diagnostic: Diagnostic) {
  const phases = diagnostic.phases.map((p) => ({
    id: p.phase.id,
    number: p.index + 1,
    title: p.phase.title,
    summary: p.phase.summary,
    status: p.status,
    counted: p.counted,
    statusLabel: phaseLabel(p),
    meaning: statusMeaning(p),
    notCountedNote: p.counted
      ? undefined
      : 'Not counted towards the stage yet: phases count in order, and an earlier phase is not achieved.',
    theaterSigns: p.status === 'theater' ? p.phase.theaterSigns : undefined,
    withoutPrerequisites: p.status === 'theater' || p.status === 'stalled' ? p.phase.withoutPrerequisites : undefined,
    prerequisiteScore: p.prerequisites.score,
    executionScore: p.execution.score,
    prerequisitesVerdict: p.prerequisites.verdict,
    executionVerdict: p.execution.verdict,
    levels: p.execution.levels.map((l) => ({ level: levelNames[l.level], score: l.score, inPlace: l.inPlace })),
    outcomes: p.outcomes.map((o) => outcomeView(definition, o)),
    confidence: confidenceView(p.confidence),
  }));
  const stage = diagnostic.stageReached;
  const stagePhase = stage ? definition.phases[stage - 1] : undefined;
  const constraint = diagnostic.constraint;
  return {
    verdict: diagnostic.verdict,
    noEvidence: diagnostic.verdict === 'no_evidence',
    toAnswer: diagnostic.verdict === 'no_evidence' ? toAnswerView(diagnostic) : [],
    stage: {
      reached: stage,
      of: definition.phases.length,
      title: stagePhase?.title,
      // The stage rests on the phases up to and including the first one not achieved.
      confidence: confidenceView(
        confidenceOf(
          diagnostic.phases
            .slice(0, Math.min((stage ?? 0) + 1, diagnostic.phases.length))
            .flatMap((p) => [...p.prerequisites.checkpoints, ...p.execution.checkpoints].map((c) => c.tally)),
          definition.thresholds,
        ),
      ),
    },
    constraint: constraint ? constraintView(definition, constraint) : undefined,
    nextConstraint: diagnostic.nextConstraint ? constraintView(definition, diagnostic.nextConstraint) : undefined,
    noConstraintSentence:
      diagnostic.verdict === 'diagnosed' && !constraint
        ? 'Every phase is achieved: nothing in this assessment holds you back right now. Keep the phases healthy and take it again next quarter.'
        : undefined,
    phases,
    theater: phases.filter((p) => p.status === 'theater'),
    nextSteps: constraint ? diagnostic.nextSteps.map((s) => nextStepView(definition, s, constraint)) : [],
    flags: diagnostic.flags.map((f) => flagView(definition, f, diagnostic.respondents)),
    bottleneck: diagnostic.bottlenecks[0] ? bottleneckView(definition, diagnostic.bottlenecks[0]) : undefined,
    glossary: [
      { term: 'Stage reached', meaning: 'The last phase achieved with every phase before it: phases count in order.' },
      { term: 'Principal constraint', meaning: 'The one place that holds everything after it back right now. Work on it before anything else.' },
      { term: 'Theater', meaning: 'Activity that looks like progress (tools, dashboards, announcements) running ahead of what would make it last.' },
      ...definition.phases.map((p, i) => ({ term: `Phase ${i + 1}: ${p.title}`, meaning: p.summary })),
    ],
    confidence: confidenceView(diagnostic.confidence),
    chart: {
      type: 'phase-scores',
      labels: phases.map((p) => `${p.number}. ${p.title}`),
      prerequisites: phases.map((p) => (p.prerequisiteScore === null ? null : Math.round(p.prerequisiteScore))),
      execution: phases.map((p) => (p.executionScore === null ? null : Math.round(p.executionScore))),
    },
  };
}

export type ResultsView = ReturnType<typeof resultsView>;
