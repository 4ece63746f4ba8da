import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { findApiToken, type ApiTokenRecord } from '../../data/api-tokens.js';
import { recordAudit } from '../../data/organisations.js';
import { findRound, roundsOf } from '../../data/rounds.js';
import { HttpError, notFound } from '../../http-errors.js';
import { hashPrivateToken } from '../../private-links.js';
import { roundResultsTable, sendExport, streamRoundAnswers } from '../organisations/exports.js';

const organisationParams = z.object({ organisationId: z.uuid() });
const roundParams = organisationParams.extend({ roundId: z.uuid() });
const bearer = /^Bearer (sp_[A-Za-z0-9_-]{43})$/;

/**
 * Read-only organisation API: a token an admin created, sent as
 * `Authorization: Bearer <token>`, reads that organisation's rounds. Every
 * query filters by the organisation in the path; a token of another
 * organisation is refused like a wrong one.
 */
export default async function organisationApiRoutes(app: FastifyInstance) {
  async function authorised(request: FastifyRequest): Promise<{ organisationId: string; token: ApiTokenRecord }> {
    const params = organisationParams.safeParse(request.params);
    const match = bearer.exec(String(request.headers.authorization ?? ''));
    const token = params.success && match ? await findApiToken(app.db, params.data.organisationId, hashPrivateToken(match[1]!)) : undefined;
    if (!params.success || !token) {
      throw new HttpError(401, 'unauthenticated', 'Send a valid API token of this organisation as "Authorization: Bearer <token>".');
    }
    return { organisationId: params.data.organisationId, token };
  }

  async function closedRound(request: FastifyRequest) {
    const { organisationId, token } = await authorised(request);
    const params = roundParams.safeParse(request.params);
    const round = params.success ? await findRound(app.readDb, organisationId, params.data.roundId) : undefined;
    if (!round) throw notFound('This round');
    if (round.status !== 'closed') throw new HttpError(409, 'round_open', 'Results and answers are available once the round has closed.');
    return { round, token };
  }

  app.get('/api/organisations/:organisationId/rounds', async (request, reply) => {
    const { organisationId } = await authorised(request);
    const rounds = await roundsOf(app.readDb, organisationId);
    return reply.header('cache-control', 'no-store').send({
      rounds: rounds.map((r) => ({
        id: r.id,
        label: r.label,
        status: r.status,
        assessment: `${r.assessmentId}@${r.assessmentVersion}`,
        anonymityMinimum: r.anonymityMinimum,
        openedAt: r.openedAt.toISOString(),
        closedAt: r.closedAt?.toISOString() ?? null,
        links:
          r.status === 'closed'
            ? {
                results: `/api/organisations/${organisationId}/rounds/${r.id}/results`,
                answersCsv: `/api/organisations/${organisationId}/rounds/${r.id}/answers.csv`,
                answersJson: `/api/organisations/${organisationId}/rounds/${r.id}/answers.json`,
              }
            : {},
      })),
    });
  });

  app.get('/api/organisations/:organisationId/rounds/:roundId/results', async (request, reply) => {
    const { round } = await closedRound(request);
    return reply.header('cache-control', 'no-store').send(await roundResultsTable(app, round));
  });

  for (const format of ['csv', 'json'] as const) {
    app.get(`/api/organisations/:organisationId/rounds/:roundId/answers.${format}`, async (request, reply) => {
      const { round, token } = await closedRound(request);
      await recordAudit(app.db, round.organisationId, { id: null, displayName: `API token “${token.name}”` }, 'exported', {
        what: 'the anonymous answers',
        label: round.label,
        format,
      });
      sendExport(reply, round, 'answers', format);
      return reply.send(await streamRoundAnswers(app, round, format));
    });
  }
}
