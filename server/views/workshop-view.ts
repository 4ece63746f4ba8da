import {
  discussionAgenda,
  distributionOf,
  perceptionGaps,
  tallyCounts,
  type CheckpointGap,
  type CountedAnswer,
  type Distribution,
} from '../domain/aggregation.js';
import {
  belowThresholdMessage,
  effectiveMinimum,
  freeTextVisibility,
  mixedVisibility,
  pendingSummary,
  roleComparisonVisibility,
  type PendingChange,
  type Visibility,
} from '../domain/anonymity.js';
import { tallyAnswers, type Answer } from '../domain/answers.js';
import { allCheckpoints, type Definition } from '../domain/definition.js';
import { diagnose } from '../domain/diagnostic.js';
import { resultsView } from './diagnostic-view.js';

/**
 * The group's results as a page shows them. Every rule comes from
 * server/domain/anonymity.ts: `counts` are the *published* answers (which move
 * only in steps of at least the minimum), every aggregate below the minimum
 * becomes a "below threshold" state, role breakdowns need the minimum in every
 * anonymous role, and notes need ten respondents. Views only ever see what this returns.
 */

export interface GroupInput {
  definition: Definition;
  minimum: number;
  /** Activity, live: who joined, gave an answer, finished. Never split by role. */
  participation: { joined: number; answering: number; finished: number };
  /** Respondents in the published counts, per role (leaders on the record included). */
  counted: Record<'leader' | 'team_member', number>;
  leadersOnRecord: boolean;
  /** Respondents who rated something, live: what the group's minimum counts. */
  raters: number;
  /** What is waiting to be published. */
  pending: readonly PendingChange[];
  closed: boolean;
  expected: number | null;
  counts: readonly CountedAnswer[];
  consensus: readonly { checkpointId: string; answer: Answer; dissentNote: string | null }[];
  notes: readonly { checkpointId: string; note: string }[];
  basis: 'votes' | 'agreed';
  /** Only one role is offered: there is nothing to compare. */
  singleRole?: boolean;
}

const belowThreshold = (v: Visibility) => (v.shown ? undefined : { n: v.n, minimum: v.minimum, message: belowThresholdMessage(v)! });

/** Answers other than "not applicable": what a checkpoint's minimum counts. */
const substantive = (d: Pick<Distribution, 'rated' | 'dontKnow'>) => d.rated + d.dontKnow;

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
    /** Whole percent of the answers (not `percent`: a helper of that name would shadow it in templates). */
    share: Math.round((count / total) * 100),
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

/** A 0–100 score as whole points, for bars. */
const whole = (v: number | null) => (v === null ? null : Math.round(v));

/**
 * The perception gap as a chart the room can read: the checkpoints and phase
 * parts where leaders and team differ most, largest first, saying who sees it higher.
 */
function gapChart(
  gaps: readonly CheckpointGap[],
  viewById: ReadonlyMap<string, { statement: string; phaseNumber: number }>,
  phaseGaps: readonly {
    number: number;
    title: string;
    leadersPrerequisites: number | null;
    teamPrerequisites: number | null;
    prerequisitesGap: number | null;
    leadersExecution: number | null;
    teamExecution: number | null;
    executionGap: number | null;
  }[],
) {
  const row = (label: string, leaders: number | null, team: number | null, gap: number | null) => ({
    label,
    leaders: whole(leaders),
    team: whole(team),
    size: Math.round(Math.abs(gap ?? 0)),
    higher: gap === null || Math.round(gap) === 0 ? 'Both see it the same' : gap > 0 ? `Leaders see it ${Math.round(gap)} points higher` : `The team sees it ${Math.round(-gap)} points higher`,
  });
  const bySize = <T extends { size: number }>(rows: T[]) => rows.sort((a, b) => b.size - a.size);
  return {
    phases: bySize(
      phaseGaps.flatMap((p) => [
        ...(p.prerequisitesGap === null ? [] : [row(`${p.number}. ${p.title}: prerequisites`, p.leadersPrerequisites, p.teamPrerequisites, p.prerequisitesGap)]),
        ...(p.executionGap === null ? [] : [row(`${p.number}. ${p.title}: execution`, p.leadersExecution, p.teamExecution, p.executionGap)]),
      ]),
    ),
    checkpoints: bySize(
      gaps.filter((g) => g.gap !== null).map((g) => {
        const v = viewById.get(g.checkpointId)!;
        return { ...row(`${v.phaseNumber}. ${v.statement}`, g.leaders, g.team, g.gap), flagged: g.flagged };
      }),
    ).slice(0, 10),
  };
}

export function groupView(input: GroupInput) {
  const { definition, minimum, participation, counts } = input;
  const checkpoints = allCheckpoints(definition);
  const ids = checkpoints.map((c) => c.id);
  const roles = input.counted;
  const n = roles.leader + roles.team_member;
  // Leaders on the record are known; only the rest is anonymous and must stay at the minimum on its own.
  const anonymousRole = (role: string) => !(input.leadersOnRecord && role === 'leader');
  const anonymousN = input.leadersOnRecord ? roles.team_member : n;
  const groupShown = mixedVisibility({ onRecord: n - anonymousN, anonymous: anonymousN, minimum });
  const rolesVisibility = roleComparisonVisibility({ leadersOnRecord: input.leadersOnRecord, leaders: roles.leader, team: roles.team_member, minimum });
  const notesVisibility = freeTextVisibility(n, minimum);

  const consensusById = new Map(input.consensus.map((c) => [c.checkpointId, c]));
  const blank = (respondents: number) => ({ rated: [], dontKnow: 0, notApplicable: 0, respondents });

  // A checkpoint with fewer than the minimum answers is left out of everything computed from it
  // (scores, constraint, confidence), as if unanswered: its own row says "below threshold".
  const tallies = tallyCounts(ids, counts, n);
  const distributions = new Map(ids.map((id) => [id, distributionOf(tallies.get(id)!, definition.scale)]));
  const anonymousCounts = counts.filter((c) => anonymousRole(c.role));
  const anonymousTallies = tallyCounts(ids, anonymousCounts, anonymousN);
  const checkpointShown = new Map(
    ids.map((id) => {
      const all = substantive(distributions.get(id)!);
      const t = anonymousTallies.get(id)!;
      const anonymous = t.rated.length + t.dontKnow;
      return [id, mixedVisibility({ onRecord: all - anonymous, anonymous, minimum })];
    }),
  );
  for (const id of ids) if (!checkpointShown.get(id)!.shown) tallies.set(id, blank(n));

  // Leaders and team are compared only on checkpoints each side answered enough (the minimum,
  // or one leader on the record), so both sides rest on the same checkpoints.
  const leaderTallies = tallyCounts(ids, counts, roles.leader, 'leader');
  const teamTallies = tallyCounts(ids, counts, roles.team_member, 'team_member');
  const answeredBy = (t: ReturnType<typeof tallyCounts>, id: string) => {
    const tally = t.get(id)!;
    return tally.rated.length + tally.dontKnow;
  };
  for (const id of ids) {
    const comparable = roleComparisonVisibility({
      leadersOnRecord: input.leadersOnRecord,
      leaders: answeredBy(leaderTallies, id),
      team: answeredBy(teamTallies, id),
      minimum,
    }).shown;
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

  // Notes arrive one person at a time, so they are read only once answering has closed.
  const notesShown = notesVisibility.shown && input.closed;
  const checkpointViews = checkpoints.map((c) => {
    const d = distributions.get(c.id)!;
    const shown = checkpointShown.get(c.id)!;
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
      notes: notesShown && shown.shown ? (notesById.get(c.id) ?? []) : [],
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
  const waiting = pendingSummary(input.pending, minimum);
  const groupVisibilityShown = groupShown.shown;
  return {
    participation: {
      ...participation,
      counted: n,
      expected: input.expected,
      minimum: effectiveMinimum(minimum),
      waiting: waiting.waiting > 0 ? waiting : undefined,
    },
    belowThreshold: groupShown.shown
      ? undefined
      : { minimum: effectiveMinimum(minimum), message: `Shown from ${effectiveMinimum(minimum)} respondents (now ${input.raters}).` },
    basis: input.basis,
    agreedCount,
    results:
      groupVisibilityShown && (input.basis === 'votes' || agreedCount > 0)
        ? resultsView(definition, diagnostic)
        : undefined,
    checkpoints: groupVisibilityShown ? checkpointViews : [],
    queue: groupVisibilityShown
      ? discussionAgenda(
          checkpoints.filter((c) => checkpointShown.get(c.id)!.shown),
          distributions,
          definition.scale,
          { gaps: rolesVisibility.shown ? gapById : new Map(), agreed: new Set(consensusById.keys()) },
        ).map((item, index) => ({
          ...viewById.get(item.checkpoint.id)!,
          position: index + 1,
          reasons: item.reasons,
          agreed: item.agreed,
        }))
      : [],
    gapChart: rolesVisibility.shown ? gapChart(gaps, viewById, phaseGaps) : undefined,
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
            : input.leadersOnRecord
              ? `The leader and team comparison appears once a leader on the record and ${effectiveMinimum(minimum)} team members have answered (now ${roles.leader} and ${roles.team_member}).`
              : 'Leaders and team are counted together here: leaders were not asked to answer on the record, and a small group of leaders could be told apart from the team by difference. To compare them, create the workshop with leaders on the record.',
        },
    notesBelowThreshold: notesVisibility.shown ? undefined : belowThreshold(notesVisibility),
    notesAfterClose: notesVisibility.shown && !input.closed,
  };
}
