import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { activeApiTokens, createApiToken, revokeApiToken } from '../../data/api-tokens.js';
import { deleteOrganisation, recordAudit } from '../../data/organisations.js';
import { deleteTeamResponses, findRound, recomputeResults } from '../../data/rounds.js';
import { teamsOf } from '../../data/teams.js';
import { roundResults } from '../../domain/round-results.js';
import { teamPathLabel } from '../../domain/team-tree.js';
import { HttpError, notFound } from '../../http-errors.js';
import { hashPrivateToken, newPrivateToken } from '../../private-links.js';
import { organisationNav, organisationRoleLabels } from '../../views/organisation-view.js';
import { organisationFor, requireCapability, uuidParam, type OrganisationContext } from './access.js';
import { resultsCsv, roundResultsTable, sendExport, streamRoundAnswers } from './exports.js';

const exportFile = z.enum(['answers.csv', 'answers.json', 'results.csv', 'results.json']);
const tokenName = z
  .string({ error: 'Give the token a name.' })
  .transform((v) => v.replaceAll('\u0000', '').replace(/\s+/g, ' ').trim())
  .pipe(z.string().min(1, 'Give the token a name, such as the dashboard that uses it.').max(120, 'Keep the name under 120 characters.'));

/** Exports, deleting data and API tokens: the organisation's data leaving it, or leaving altogether. */
export default async function organisationDataRoutes(app: FastifyInstance) {
  // ── Export a closed round (owners and admins) ──────────────────────────────────────────────────

  app.get('/organisations/:organisationId/rounds/:roundId/export/:file', async (request, reply) => {
    const context = await organisationFor(app, request);
    requireCapability(context, 'export');
    const round = await findRound(app.db, context.organisation.id, uuidParam(request, 'roundId'));
    if (!round) throw notFound('This round');
    const file = exportFile.safeParse((request.params as Record<string, unknown>).file);
    if (!file.success) throw notFound();
    if (round.status !== 'closed') throw new HttpError(409, 'round_open', 'A round can be exported once it has closed.');
    const [what, format] = file.data.split('.') as ['answers' | 'results', 'csv' | 'json'];
    await recordAudit(app.db, context.organisation.id, context.user, 'exported', { what: what === 'answers' ? 'the anonymous answers' : 'the results', label: round.label, format });
    sendExport(reply, round, what, format);
    if (what === 'answers') return reply.send(await streamRoundAnswers(app, round, format));
    const table = await roundResultsTable(app, round);
    return reply.send(format === 'csv' ? resultsCsv(table) : table);
  });

  // ── Deleting (owners) ─────────────────────────────────────────────────────────────────────────

  app.post('/organisations/:organisationId/delete-team-responses', async (request, reply) => {
    const context = await organisationFor(app, request);
    requireCapability(context, 'manage_settings');
    const body = (request.body ?? {}) as Record<string, unknown>;
    const teamId = z.uuid().safeParse(body.team).data;
    const teams = await teamsOf(app.db, context.organisation.id);
    if (!teamId || !teams.has(teamId)) throw new HttpError(422, 'unknown_team', 'Choose a team from the list.');
    if (body.confirm !== 'yes') {
      throw new HttpError(422, 'not_confirmed', 'Tick the box to confirm: deleted answers cannot be brought back.');
    }
    const { deleted, roundIds } = await deleteTeamResponses(app.db, context.organisation.id, teamId);
    // Results kept from closed rounds are computed again without them: nothing of them is left behind.
    const names = new Map([...teams.values()].map((t) => [t.id, t.name]));
    for (const roundId of roundIds) {
      const round = await findRound(app.db, context.organisation.id, roundId);
      const definition = round && app.assessments.get(round.assessmentId, round.assessmentVersion);
      if (round?.status === 'closed' && definition) {
        await recomputeResults(app.db, context.organisation.id, roundId, (input) => roundResults(definition, names, input, round.anonymityMinimum));
      }
    }
    await recordAudit(app.db, context.organisation.id, context.user, 'team_responses_deleted', { team: teamPathLabel(teams, teamId), deleted });
    return reply.redirect(`${context.base}/settings?deleted=${deleted}`, 303);
  });

  app.post('/organisations/:organisationId/delete', async (request, reply) => {
    const context = await organisationFor(app, request);
    requireCapability(context, 'manage_settings');
    const typed = String((request.body as Record<string, unknown> | undefined)?.confirmName ?? '').trim();
    if (typed !== context.organisation.name) {
      throw new HttpError(422, 'not_confirmed', 'Type the organisation’s name exactly to delete it.');
    }
    await deleteOrganisation(app.db, context.organisation.id);
    return reply.redirect('/organisations', 303);
  });

  // ── Read-only API tokens (owners and admins) ───────────────────────────────────────────────────

  const renderTokens = async (reply: FastifyReply, context: OrganisationContext, state: { newToken?: string; error?: string; name?: string } = {}) =>
    reply.header('cache-control', 'no-store').page('organisations/api-tokens', {
      title: `API tokens · ${context.organisation.name}`,
      organisation: context.organisation,
      base: context.base,
      nav: organisationNav(context.organisation.id, context.membership, 'api'),
      myRole: organisationRoleLabels[context.membership.role],
      tokens: (await activeApiTokens(app.db, context.organisation.id)).map((t) => ({
        ...t,
        createdOn: t.createdAt.toISOString().slice(0, 10),
        revokePath: `${context.base}/api-tokens/${t.id}/revoke`,
      })),
      ...state,
    });

  app.get('/organisations/:organisationId/api-tokens', async (request, reply) => {
    const context = await organisationFor(app, request);
    requireCapability(context, 'manage_api_tokens');
    return renderTokens(reply, context);
  });

  app.post('/organisations/:organisationId/api-tokens', async (request, reply) => {
    const context = await organisationFor(app, request);
    requireCapability(context, 'manage_api_tokens');
    const body = (request.body ?? {}) as Record<string, unknown>;
    const name = tokenName.safeParse(body.name);
    if (!name.success) return renderTokens(reply.status(422), context, { error: name.error.issues[0]!.message, name: String(body.name ?? '') });
    const token = `sp_${newPrivateToken()}`;
    await createApiToken(app.db, context.organisation.id, { name: name.data, tokenHash: hashPrivateToken(token), createdBy: context.user.id });
    await recordAudit(app.db, context.organisation.id, context.user, 'api_token_created', { name: name.data });
    return renderTokens(reply.status(201), context, { newToken: token });
  });

  app.post('/organisations/:organisationId/api-tokens/:tokenId/revoke', async (request, reply) => {
    const context = await organisationFor(app, request);
    requireCapability(context, 'manage_api_tokens');
    const revoked = await revokeApiToken(app.db, context.organisation.id, uuidParam(request, 'tokenId'));
    if (revoked) await recordAudit(app.db, context.organisation.id, context.user, 'api_token_revoked', { name: revoked.name });
    return reply.redirect(`${context.base}/api-tokens`, 303);
  });
}
