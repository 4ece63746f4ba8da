import {
  discussionQueue,
  distributionOf,
  freeTextVisibility,
  perceptionGaps,
  roleBreakdownVisibility,
  tallyCounts,
  visibility,
  type CountedAnswer,
  type Distribution,
  type Visibility,
} from '../domain/aggregation.js';
import { tallyAnswers, type Answer } from '../domain/answers.js';
import { allCheckpoints, type Definition } from '../domain/definition.js';
import { diagnose } from '../domain/diagnostic.js';
import { resultsView } from './diagnostic-view.js';

/**
 * The group's results as a page shows them, with anonymity applied here, in one
 * place: every aggregate below the workshop's minimum becomes a "below
 * threshold" state, role breakdowns need the minimum in every role, and notes
 * need ten respondents. Views only ever see what this returns.
 */

export interface GroupInput {
  definition: Definition;
  minimum: number;
  participation: { joined: number; answering: number; finished: number; answeringByRole: Record<'leader' | 'team_member', number> };
  expected: number | null;
  counts: readonly CountedAnswer[];
  consensus: readonly { checkpointId: string; answer: Answer; dissentNote: string | null }[];
  notes: readonly { checkpointId: string; note: string }[];
  basis: 'votes' | 'agreed';
  /** Only one role is offered: there is nothing to compare. */
  singleRole?: boolean;
}

const belowThreshold = (v: Visibility) =>
  v.shown ? undefined : { n: v.n, minimum: v.minimum, message: `Shown from ${v.minimum} respondents (now ${v.n}).` };

function answerLabel(definition: Definition, answer: Answer): string {
  if (answer.kind === 'not_applicable') return definition.scale.notApplicable.label;
  if (answer.kind === 'dont_know') return definition.scale.dontKnow.label;
  return `${answer.value}: ${definition.scale.points.find((p) => p.value === answer.value)?.label ?? ''}`;
}

function distributionView(definition: Definition, d: Distribution) {
  const total = Math.max(d.answered, 1);
  const bar = (label: string, count: number, kind: string) => ({
    label,
    count,
    kind,
    percent: Math.round((count / total) * 100),
  });
  return {
    bars: [
      ...d.counts.map((c) => bar(String(c.value), c.count, 'rating')),
      bar(definition.scale.dontKnow.label, d.dontKnow, 'dont-know'),
      bar(definition.scale.notApplicable.label, d.notApplicable, 'not-applicable'),
    ],
    answered: d.answered,
    median: d.median,
    spread: d.spread,
    disagreement: d.disagreement,
  };
}

export function groupView(input: GroupInput) {
  const { definition, minimum, participation, counts } = input;
  const checkpoints = allCheckpoints(definition);
  const ids = checkpoints.map((c) => c.id);
  const n = participation.answering;
  const groupVisibility = visibility(n, minimum);
  const roles = participation.answeringByRole;
  const rolesVisibility = roleBreakdownVisibility([roles.leader, roles.team_member], minimum);
  const notesVisibility = freeTextVisibility(n, minimum);

  const consensusById = new Map(input.consensus.map((c) => [c.checkpointId, c]));
  const blank = (respondents: number) => ({ rated: [], dontKnow: 0, notApplicable: 0, respondents });

  // A checkpoint fewer than the minimum answered is left out of everything computed from it
  // (scores, constraint, confidence), as if unanswered: its own row says "below threshold".
  const tallies = tallyCounts(ids, counts, n);
  const distributions = new Map(ids.map((id) => [id, distributionOf(tallies.get(id)!, definition.scale)]));
  const checkpointShown = new Map(ids.map((id) => [id, visibility(distributions.get(id)!.answered, minimum).shown]));
  for (const id of ids) if (!checkpointShown.get(id)) tallies.set(id, blank(n));

  // Leaders and team are compared only on checkpoints each role answered at least the minimum times,
  // so both sides rest on the same checkpoints and no side is one or two people.
  const leaderTallies = tallyCounts(ids, counts, roles.leader, 'leader');
  const teamTallies = tallyCounts(ids, counts, roles.team_member, 'team_member');
  const answeredBy = (t: ReturnType<typeof tallyCounts>, id: string) => {
    const tally = t.get(id)!;
    return tally.rated.length + tally.dontKnow + tally.notApplicable;
  };
  for (const id of ids) {
    const comparable =
      visibility(answeredBy(leaderTallies, id), minimum).shown && visibility(answeredBy(teamTallies, id), minimum).shown;
    if (!comparable) {
      leaderTallies.set(id, blank(roles.leader));
      teamTallies.set(id, blank(roles.team_member));
    }
  }
  const gaps = perceptionGaps(checkpoints, leaderTallies, teamTallies, definition.scale);
  const gapById = new Map(gaps.map((g) => [g.checkpointId, g]));

  const agreed = new Map(input.consensus.map((c) => [c.checkpointId, c.answer]));
  const diagnostic =
    input.basis === 'agreed' ? diagnose(definition, tallyAnswers(ids, [agreed])) : diagnose(definition, tallies, n);

  const notesById = new Map<string, string[]>();
  for (const note of input.notes) notesById.set(note.checkpointId, [...(notesById.get(note.checkpointId) ?? []), note.note]);

  const checkpointViews = checkpoints.map((c) => {
    const d = distributions.get(c.id)!;
    const shown = visibility(d.answered, minimum);
    const consensus = consensusById.get(c.id);
    const gap = gapById.get(c.id)!;
    return {
      id: c.id,
      statement: c.statement,
      phaseNumber: c.phaseIndex + 1,
      part: c.part,
      level: c.level,
      belowThreshold: belowThreshold(shown),
      distribution: shown.shown ? distributionView(definition, d) : undefined,
      gap: rolesVisibility.shown ? gap : undefined,
      consensus: consensus
        ? { label: answerLabel(definition, consensus.answer), choice: consensus.answer, dissentNote: consensus.dissentNote }
        : undefined,
      notes: notesVisibility.shown && shown.shown ? (notesById.get(c.id) ?? []) : [],
    };
  });
  const viewById = new Map(checkpointViews.map((c) => [c.id, c]));

  const leaderDiagnostic = diagnose(definition, leaderTallies, roles.leader);
  const teamDiagnostic = diagnose(definition, teamTallies, roles.team_member);
  const phaseGaps = definition.phases.map((phase, i) => {
    const l = leaderDiagnostic.phases[i]!;
    const t = teamDiagnostic.phases[i]!;
    const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);
    return {
      number: i + 1,
      title: phase.title,
      leadersPrerequisites: l.prerequisites.score,
      teamPrerequisites: t.prerequisites.score,
      prerequisitesGap: diff(l.prerequisites.score, t.prerequisites.score),
      leadersExecution: l.execution.score,
      teamExecution: t.execution.score,
      executionGap: diff(l.execution.score, t.execution.score),
    };
  });

  const agreedCount = input.consensus.length;
  return {
    participation: { ...participation, expected: input.expected, minimum: groupVisibility.shown ? minimum : Math.max(minimum, 3) },
    belowThreshold: belowThreshold(groupVisibility),
    basis: input.basis,
    agreedCount,
    results:
      groupVisibility.shown && (input.basis === 'votes' || agreedCount > 0)
        ? resultsView(definition, diagnostic)
        : undefined,
    checkpoints: groupVisibility.shown ? checkpointViews : [],
    queue: groupVisibility.shown
      ? discussionQueue(checkpoints, distributions, rolesVisibility.shown ? gapById : new Map())
          .filter((q) => visibility(q.distribution.answered, minimum).shown)
          .map((q) => viewById.get(q.checkpoint.id)!)
      : [],
    perceptionGap: rolesVisibility.shown
      ? {
          phases: phaseGaps,
          flagged: gaps.filter((g) => g.flagged).map((g) => ({ ...g, statement: viewById.get(g.checkpointId)!.statement })),
        }
      : undefined,
    perceptionGapBelowThreshold: rolesVisibility.shown
      ? undefined
      : {
          message: input.singleRole
            ? 'This workshop offers one role, so there is no leader and team comparison.'
            : `The leader and team comparison appears once each role has ${Math.max(minimum, 3)} respondents (now ${roles.leader} leaders and ${roles.team_member} team members).`,
        },
    notesBelowThreshold: notesVisibility.shown ? undefined : belowThreshold(notesVisibility),
  };
}
