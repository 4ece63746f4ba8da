import { createHmac } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { findResponseByTokenHash } from '../../data/responses.js';
import { createRoundResponse, findRoundTeamByLink, type RoundRecord, type RoundTeamRecord } from '../../data/rounds.js';
import { sharedSecret } from '../../data/settings.js';
import { notFound } from '../../http-errors.js';
import { newParticipantCode } from '../../join-codes.js';
import { hashPrivateToken, isWellFormedToken, newPrivateToken } from '../../private-links.js';
import { participantToken, rememberParticipant } from '../workshops/participant-cookie.js';
import { roleLabels } from '../workshops/join.js';

/**
 * A team's anonymous answer link for a round: people answer on their own time,
 * through the same autosaving pages as a self-assessment. The token is derived
 * from the round and team with a server secret (so an admin can copy it again
 * later); the database holds only its sha256.
 */

const secrets = new WeakMap<FastifyInstance, Promise<string>>();

export async function teamLinkToken(app: FastifyInstance, organisationId: string, roundId: string, teamId: string): Promise<string> {
  let secret = secrets.get(app);
  if (!secret) {
    secret = sharedSecret(app.db, 'team_link_secret');
    secrets.set(app, secret);
  }
  return createHmac('sha256', await secret).update(`team-link:${organisationId}:${roundId}:${teamId}`).digest('base64url');
}

export const teamLinkPath = (organisationId: string, token: string) => `/t/${organisationId}/${token}`;

const linkParams = z.object({ organisationId: z.uuid(), token: z.string() });
const roleBody = z.object({ role: z.enum(['leader', 'team_member']) });
const cookieKey = (roundTeam: RoundTeamRecord) => `${roundTeam.roundId}_${roundTeam.teamId}`;

export default async function teamLinkRoutes(app: FastifyInstance) {
  /** The open round team behind a link; a wrong, malformed or closed link gets the same 404. */
  async function openLink(params: unknown): Promise<{ roundTeam: RoundTeamRecord; round: RoundRecord; path: string }> {
    const parsed = linkParams.safeParse(params);
    if (!parsed.success || !isWellFormedToken(parsed.data.token)) throw notFound();
    const found = await findRoundTeamByLink(app.db, parsed.data.organisationId, hashPrivateToken(parsed.data.token));
    if (!found || found.round.status !== 'open') throw notFound();
    return { ...found, path: teamLinkPath(parsed.data.organisationId, parsed.data.token) };
  }

  const render = (reply: FastifyReply, link: Awaited<ReturnType<typeof openLink>>, error?: string) =>
    reply.header('cache-control', 'no-store').page('organisations/team-link', {
      title: `${link.roundTeam.teamPathLabel}, ${link.round.label}`,
      teamLabel: link.roundTeam.teamPathLabel,
      round: link.round,
      assessmentTitle: app.assessments.get(link.round.assessmentId, link.round.assessmentVersion)?.title ?? '',
      path: link.path,
      minimum: link.round.anonymityMinimum,
      roles: (['leader', 'team_member'] as const).map((value) => ({ value, label: roleLabels[value] })),
      error,
    });

  app.get('/t/:organisationId/:token', async (request, reply) => {
    const link = await openLink(request.params);
    const returning = participantToken(request, cookieKey(link.roundTeam));
    if (returning && (await findResponseByTokenHash(app.db, hashPrivateToken(returning)))?.roundId === link.round.id) {
      return reply.redirect(`/r/${returning}`, 303);
    }
    return render(reply, link);
  });

  app.post('/t/:organisationId/:token', async (request, reply) => {
    const link = await openLink(request.params);
    const body = roleBody.safeParse(request.body);
    if (!body.success) return render(reply.status(422), link, 'Choose the role you are answering as.');
    const token = newPrivateToken();
    const created = await createRoundResponse(app.db, {
      organisationId: link.round.organisationId,
      roundId: link.round.id,
      teamId: link.roundTeam.teamId,
      role: body.data.role,
      tokenHash: hashPrivateToken(token),
      participantCode: newParticipantCode(),
    });
    if (!created) throw notFound();
    rememberParticipant(reply, cookieKey(link.roundTeam), token, app.config.env === 'production');
    return reply.redirect(`/r/${token}/start`, 303);
  });
}
