import { equivalentCheckpointIds } from '../../domain/comparison.js';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import {
  addTeamAction,
  findRound,
  resultCounts,
  resultCountsFor,
  resultNames,
  resultSummaries,
  roundsOf,
  teamResultSummaries,
  teamActions,
  type RoundRecord,
} from '../../data/rounds.js';
import { cantTellReasons, driftBetween, judgeAction, outcomeSentences, sampleOf, withoutSample } from '../../domain/action-outcomes.js';
import { meanScore, perceptionGaps, tallyCounts, type CountedAnswer } from '../../domain/aggregation.js';
import { allCheckpoints, phaseCheckpoints, type Definition } from '../../domain/definition.js';
import { diagnose } from '../../domain/diagnostic.js';
import { can, canReadTeam } from '../../domain/organisation-access.js';
import { idsOnPath } from '../../domain/team-tree.js';
import { HttpError, notFound } from '../../http-errors.js';
import { resultsView } from '../../views/diagnostic-view.js';
import { heatmapView, organisationNav, organisationRoleLabels, trendView } from '../../views/organisation-view.js';
import { forbidden, organisationFor, uuidParam, type OrganisationContext } from './access.js';
import { withheldTeams } from './withheld.js';

const cleanLine = (max: number, empty: string, tooLong: string) =>
  z
    .string({ error: empty })
    .transform((v) => v.replaceAll('\u0000', '').replace(/\s+/g, ' ').trim())
    .pipe(z.string().min(1, empty).max(max, tooLong));

const actionForm = z.object({
  checkpoint: z.string().min(1, 'Choose the checkpoint this action works on.'),
  title: cleanLine(300, 'Say what will be done.', 'Keep it under 300 characters.'),
  owner: cleanLine(120, 'Name who owns it.', 'Keep the name under 120 characters.'),
  due: cleanLine(40, 'Say by which round it is due, such as 2027-Q2.', 'Keep it under 40 characters.'),
});

type FormErrors = Record<string, string>;

/** The closed round before `round` (by opening time), if any. */
function previousClosed(rounds: readonly RoundRecord[], round: RoundRecord): RoundRecord | undefined {
  return rounds
    .filter((r) => r.status === 'closed' && r.id !== round.id && r.openedAt < round.openedAt)
    .sort((a, b) => b.openedAt.getTime() - a.openedAt.getTime())[0];
}

export default async function organisationResultRoutes(app: FastifyInstance) {
  const definitionOf = (round: RoundRecord): Definition => {
    const definition = app.assessments.get(round.assessmentId, round.assessmentVersion);
    if (!definition) throw notFound('This round');
    return definition;
  };

  async function closedRound(context: OrganisationContext, roundId: string) {
    const round = await findRound(app.readDb, context.organisation.id, roundId);
    if (!round) throw notFound('This round');
    if (round.status !== 'closed') {
      throw new HttpError(409, 'round_open', 'Results appear when the round closes; until then only participation is shown.');
    }
    return round;
  }

  const page = (reply: FastifyReply, context: OrganisationContext, name: string, data: Record<string, unknown>) =>
    reply.header('cache-control', 'no-store').page(`organisations/${name}`, {
      organisation: context.organisation,
      base: context.base,
      nav: organisationNav(context.organisation.id, context.membership, 'home'),
      myRole: organisationRoleLabels[context.membership.role],
      ...data,
    });

  // ── Heatmap: teams × phases for a closed round ─────────────────────────────────────────────────

  app.get('/organisations/:organisationId/rounds/:roundId/heatmap', async (request, reply) => {
    const context = await organisationFor(app, request);
    const round = await closedRound(context, uuidParam(request, 'roundId'));
    const definition = definitionOf(round);
    const rounds = await roundsOf(app.readDb, context.organisation.id);
    const previous = previousClosed(rounds, round);
    const summaries = await resultSummaries(app.readDb, context.organisation.id, previous ? [round.id, previous.id] : [round.id]);
    const rows = summaries.get(round.id) ?? [];
    const heatmap = heatmapView({
      definition,
      base: context.base,
      round,
      rows,
      previous: previous
        ? {
            round: previous,
            rows: summaries.get(previous.id) ?? [],
            hidden: withheldTeams(summaries.get(previous.id) ?? []),
          }
        : undefined,
      membership: context.membership,
      hidden: withheldTeams(rows),
    });
    return page(reply, context, 'heatmap', {
      title: `Heatmap, ${round.label} · ${context.organisation.name}`,
      round,
      assessment: definition,
      heatmap,
      minimum: round.anonymityMinimum,
      actionsPath: `${context.base}/actions`,
    });
  });

  // ── A team's page: the engine over its pooled answers, the gap, the trend, its actions ─────────

  async function renderTeam(
    reply: FastifyReply,
    context: OrganisationContext,
    round: RoundRecord,
    teamId: string,
    actionState: { values?: Record<string, unknown>; errors?: FormErrors } = {},
  ) {
    const { organisation, membership } = context;
    const definition = definitionOf(round);
    const result = await resultCounts(app.readDb, organisation.id, round.id, teamId);
    if (!result || !canReadTeam(membership, result.teamPath)) throw notFound('This team');
    const rounds = await roundsOf(app.readDb, organisation.id);
    const closed = rounds.filter((r) => r.status === 'closed').sort((a, b) => a.openedAt.getTime() - b.openedAt.getTime());
    // Only this team's rows (its trend) and the names on its path: never the whole round.
    const [ownRows, names] = await Promise.all([
      teamResultSummaries(app.readDb, organisation.id, teamId),
      resultNames(app.readDb, organisation.id, round.id, idsOnPath(result.teamPath)),
    ]);
    const hidden = result.withheld;
    const pathLabel = idsOnPath(result.teamPath)
      .map((id) => names.get(id) ?? '…')
      .join(' / ');

    const trendPoints = closed
      .map((r) => {
        const row = ownRows.get(r.id);
        return { round: r, row, shown: row !== undefined && !row.withheld };
      })
      .filter((p) => p.row !== undefined);

    const base = {
      title: `${pathLabel}, ${round.label} · ${organisation.name}`,
      round,
      team: { id: teamId, name: result.teamName, pathLabel, n: result.respondents },
      heatmapPath: `${context.base}/rounds/${round.id}/heatmap`,
      assessment: definition,
      minimum: round.anonymityMinimum,
      hidden,
    };
    if (hidden) return page(reply, context, 'team', base);

    const ids = allCheckpoints(definition).map((c) => c.id);
    const tallies = tallyCounts(ids, result.counts, result.respondents);
    const diagnostic = diagnose(definition, tallies, result.respondents);
    const results = resultsView(definition, diagnostic);

    // Leaders vs team, only when both roles reach the minimum (or one could be worked out from the other).
    const bothRoles = result.leaders >= round.anonymityMinimum && result.teamMembers >= round.anonymityMinimum;
    const gap = bothRoles ? phaseGaps(definition, result.counts, result.leaders, result.teamMembers) : undefined;

    const trend = trendView(definition, trendPoints);
    const actions = await actionRows(context, definition, teamId, closed);
    const statementOf = new Map(allCheckpoints(definition).map((c) => [c.id, c.statement]));
    const constraintIds = new Set(diagnostic.constraint?.weakest.map((w) => w.checkpoint.id) ?? []);
    const mayAddActions = can(membership, 'manage_rounds') || (membership.role === 'coach' && canReadTeam(membership, result.teamPath));
    return page(reply, context, 'team', {
      ...base,
      results,
      charts: true,
      gap,
      gapBelowMinimum: !bothRoles,
      leaders: result.leaders,
      teamMembers: result.teamMembers,
      trend,
      actions: actions.filter((a) => a.teamId === teamId),
      mayAddActions,
      actionPath: `${context.base}/rounds/${round.id}/teams/${teamId}/actions`,
      actionCheckpoints: [
        ...[...constraintIds].map((id) => ({ id, statement: statementOf.get(id) ?? id, constraint: true })),
        ...ids.filter((id) => !constraintIds.has(id)).map((id) => ({ id, statement: statementOf.get(id) ?? id, constraint: false })),
      ].map((c) => ({ ...c, selected: c.id === actionState.values?.checkpoint })),
      actionValues: actionState.values ?? {},
      actionErrors: actionState.errors ?? {},
    });
  }

  app.get('/organisations/:organisationId/rounds/:roundId/teams/:teamId', async (request, reply) => {
    const context = await organisationFor(app, request);
    const round = await closedRound(context, uuidParam(request, 'roundId'));
    return renderTeam(reply, context, round, uuidParam(request, 'teamId'));
  });

  app.post('/organisations/:organisationId/rounds/:roundId/teams/:teamId/actions', async (request, reply) => {
    const context = await organisationFor(app, request);
    const round = await closedRound(context, uuidParam(request, 'roundId'));
    const teamId = uuidParam(request, 'teamId');
    const result = await resultCounts(app.readDb, context.organisation.id, round.id, teamId);
    if (!result || !canReadTeam(context.membership, result.teamPath)) throw notFound('This team');
    const allowed = can(context.membership, 'manage_rounds') || (context.membership.role === 'coach' && canReadTeam(context.membership, result.teamPath));
    if (!allowed) throw forbidden();
    const body = (request.body ?? {}) as Record<string, unknown>;
    const parsed = actionForm.safeParse(body);
    const definition = definitionOf(round);
    const known = allCheckpoints(definition).some((c) => c.id === body.checkpoint);
    if (!parsed.success || !known) {
      const errors: FormErrors = parsed.success ? {} : Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0]), i.message]));
      if (!known) errors.checkpoint = 'Choose the checkpoint this action works on.';
      return renderTeam(reply.status(422), context, round, teamId, { values: body, errors });
    }
    await addTeamAction(app.db, context.organisation.id, {
      roundId: round.id,
      teamId,
      checkpointId: parsed.data.checkpoint,
      title: parsed.data.title,
      ownerName: parsed.data.owner,
      dueRound: parsed.data.due,
      createdBy: context.user.id,
    });
    return reply.redirect(`${context.base}/rounds/${round.id}/teams/${teamId}#actions`, 303);
  });

  // ── Actions board ──────────────────────────────────────────────────────────────────────────────

  /** Every action (the member may read) with whether its checkpoint moved by the next closed round. */
  async function actionRows(context: OrganisationContext, _definition: Definition | undefined, onlyTeam: string | undefined, closed: readonly RoundRecord[]) {
    const { organisation, membership } = context;
    const actions = await teamActions(app.readDb, organisation.id, onlyTeam);
    if (actions.length === 0) return [];
    const counts = await resultCountsFor(app.readDb, organisation.id, closed.map((r) => r.id));
    const summaries = await resultSummaries(app.readDb, organisation.id, closed.map((r) => r.id));
    const rows = [];
    for (const action of actions) {
      const from = closed.find((r) => r.id === action.roundId);
      const before = counts.get(`${action.roundId}:${action.teamId}`);
      if (!from || !before || !canReadTeam(membership, before.teamPath)) continue;
      const definition = definitionOf(from);
      const next = closed.find((r) => r.openedAt > from.openedAt && counts.has(`${r.id}:${action.teamId}`));
      const after = next ? counts.get(`${next.id}:${action.teamId}`) : undefined;
      const nextDefinition = next ? app.assessments.get(next.assessmentId, next.assessmentVersion) : undefined;
      // Equivalent through lineage: same id, and every version in between keeps it unchanged or reworded.
      const comparable =
        !nextDefinition || !definition || equivalentCheckpointIds(app.assessments.list(), definition, nextDefinition).has(action.checkpointId);
      const orgWide = (roundId: string) => {
        const tops = [...counts.entries()].filter(([key, v]) => key.startsWith(`${roundId}:`) && idsOnPath(v.teamPath).length === 1);
        return sampleOf(
          tops.flatMap(([, v]) => v.counts),
          action.checkpointId,
          tops.reduce((s, [, v]) => s + v.respondents, 0),
        );
      };
      const minimum = Math.max(from.anonymityMinimum, next?.anonymityMinimum ?? 0);
      // A group withheld by difference in either round is "can't tell" too.
      const withheldBefore = before.withheld;
      const withheldAfter = after?.withheld ?? false;
      const judgement =
        withheldBefore || withheldAfter
          ? { outcome: 'cant_tell' as const, reason: 'below_minimum' as const }
          : judgeAction({
              before: sampleOf(before.counts, action.checkpointId, before.respondents),
              after: after ? sampleOf(after.counts, action.checkpointId, after.respondents) : undefined,
              // Net of what happened elsewhere: the organisation less this team's own subtree, in both rounds.
              drift:
                next && after
                  ? driftBetween(
                      withoutSample(orgWide(from.id), sampleOf(before.counts, action.checkpointId, before.respondents)),
                      withoutSample(orgWide(next.id), sampleOf(after.counts, action.checkpointId, after.respondents)),
                      definition.scale,
                    )
                  : null,
              minimum,
              scale: definition.scale,
              comparable,
            });
      const names = new Map((summaries.get(from.id) ?? []).map((r) => [r.teamId, r.teamName]));
      rows.push({
        ...action,
        teamName: names.get(action.teamId) ?? 'Team',
        teamPath: `${context.base}/rounds/${from.id}/teams/${action.teamId}`,
        statement: allCheckpoints(definition).find((c) => c.id === action.checkpointId)?.statement ?? action.checkpointId,
        fromLabel: from.label,
        nextLabel: next?.label,
        outcome: judgement.outcome,
        sentence: outcomeSentences[judgement.outcome],
        reason: judgement.reason ? cantTellReasons[judgement.reason] : undefined,
        netChange: judgement.netChange === undefined ? undefined : Math.round(judgement.netChange),
        needed: judgement.needed === undefined ? undefined : Math.round(judgement.needed),
      });
    }
    return rows;
  }

  app.get('/organisations/:organisationId/actions', async (request, reply) => {
    const context = await organisationFor(app, request);
    const rounds = await roundsOf(app.readDb, context.organisation.id);
    const closed = rounds.filter((r) => r.status === 'closed').sort((a, b) => a.openedAt.getTime() - b.openedAt.getTime());
    return page(reply, context, 'actions', {
      title: `Actions · ${context.organisation.name}`,
      actions: await actionRows(context, undefined, undefined, closed),
    });
  });
}

/** Leaders' score minus the team's, per phase (points), from the pooled counts split by role. */
function phaseGaps(definition: Definition, counts: readonly CountedAnswer[], leaders: number, teamMembers: number) {
  const ids = allCheckpoints(definition).map((c) => c.id);
  const leaderTallies = tallyCounts(ids, counts, leaders, 'leader');
  const teamTallies = tallyCounts(ids, counts, teamMembers, 'team_member');
  return definition.phases.map((phase, index) => {
    const checkpoints = phaseCheckpoints(phase, index);
    const gaps = perceptionGaps(checkpoints, leaderTallies, teamTallies, definition.scale);
    const mean = (xs: (number | null)[]) => {
      const v = xs.filter((x): x is number => x !== null);
      return v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length;
    };
    const l = mean(checkpoints.map((c) => meanScore(leaderTallies.get(c.id), definition.scale)));
    const t = mean(checkpoints.map((c) => meanScore(teamTallies.get(c.id), definition.scale)));
    return {
      number: index + 1,
      title: phase.title,
      leaders: l,
      team: t,
      gap: l === null || t === null ? null : Math.round(l - t),
      flagged: gaps.filter((g) => g.flagged).length,
    };
  });
}

