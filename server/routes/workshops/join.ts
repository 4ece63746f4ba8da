import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ParticipantRole } from '../../data/database.js';
import { attemptsUsed, takeAttempt } from '../../data/rate-limits.js';
import { createResponse, findResponseByTokenHash } from '../../data/responses.js';
import { findWorkshopByJoinCode, type WorkshopRecord } from '../../data/workshops.js';
import { HttpError, notFound } from '../../http-errors.js';
import { displayJoinCode, newParticipantCode, normaliseJoinCode } from '../../join-codes.js';
import { hashPrivateToken, newPrivateToken } from '../../private-links.js';
import { respondentFor } from '../self-assessment/respondent.js';
import { loadGroup } from './group.js';
import { participantToken, rememberParticipant } from './participant-cookie.js';

export const roleLabels: Record<ParticipantRole, string> = { leader: 'Leader', team_member: 'Team member' };

/**
 * Wrong codes are limited per client (its address, or its IPv6 /64), never for everyone together:
 * a stranger cannot stop a room from joining. A wrong code is counted and compared with the limit
 * in one statement, so parallel tries cannot overshoot: of 100 at once, exactly 20 are told "no
 * such code" and the rest "too many". A right code is never counted (a whole room behind one
 * address joins at once), but it is refused like a wrong one once the client has used up its
 * tries, so a refusal never tells a guesser which code was right: each client learns the answer
 * for at most `max` codes per window (plus the right one).
 */
/** An IPv4 address as is; an IPv6 address by its /64, which one client usually holds whole. */
export function clientNetwork(ip: string): string {
  if (!ip.includes(':') || ip.startsWith('::ffff:')) return ip;
  const [head = '', tail = ''] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

export const joinMissLimits = {
  perClient: { max: 20, timeWindow: 60_000 },
};

const codeParams = z.object({ code: z.string() });
const joinBody = z.object({ role: z.enum(['leader', 'team_member']) });

/** An open workshop for a typed code; a wrong code, a closed workshop and a missing one look the same. */
async function openWorkshop(app: FastifyInstance, typed: string): Promise<WorkshopRecord | undefined> {
  const code = normaliseJoinCode(typed);
  if (!code) return undefined;
  const workshop = await findWorkshopByJoinCode(app.db, code);
  return workshop?.status === 'open' ? workshop : undefined;
}

/** The participant's own response on this device, if the cookie still points at one in this workshop. */
async function returningParticipant(app: FastifyInstance, request: FastifyRequest, workshop: WorkshopRecord) {
  const token = participantToken(request, workshop.id);
  if (!token) return undefined;
  const response = await findResponseByTokenHash(app.db, hashPrivateToken(token));
  return response?.workshopId === workshop.id ? token : undefined;
}

function renderJoin(
  reply: FastifyReply,
  workshop: WorkshopRecord,
  definitionTitle: string,
  error?: string,
  someoneElse = false,
) {
  return reply.header('cache-control', 'no-store').page('workshops/join', {
    title: `Join ${workshop.title}`,
    workshop: { title: workshop.title, code: displayJoinCode(workshop.joinCode), path: `/j/${workshop.joinCode}` },
    assessmentTitle: definitionTitle,
    roles: workshop.roles.map((role) => ({ value: role, label: roleLabels[role] })),
    minimum: workshop.anonymityMinimum,
    error,
    someoneElse,
  });
}

export default async function joinRoutes(app: FastifyInstance) {
  const limitKey = (request: FastifyRequest) => `join-miss:${clientNetwork(request.ip)}`;
  const tooMany = (reply: FastifyReply, retryAfterSeconds: number) => {
    reply.header('retry-after', retryAfterSeconds);
    return new HttpError(429, 'rate_limited', 'Too many wrong codes from your network. Wait a minute and try again.');
  };

  /** The open workshop for a typed code, unless this client has used up its wrong codes (429). */
  async function lookUp(request: FastifyRequest, reply: FastifyReply, typed: string): Promise<WorkshopRecord | undefined> {
    const workshop = await openWorkshop(app, typed);
    if (workshop) {
      const used = await attemptsUsed(app.pg.pool, limitKey(request));
      if (used.count >= joinMissLimits.perClient.max) throw tooMany(reply, used.retryAfterSeconds);
      return workshop;
    }
    const attempt = await takeAttempt(app.pg.pool, limitKey(request), joinMissLimits.perClient);
    if (!attempt.allowed) throw tooMany(reply, attempt.retryAfterSeconds);
    return undefined;
  }

  // A participant's view of the group's results, once the facilitator reveals them.
  app.get('/r/:token/group', async (request, reply) => {
    const { token } = z.object({ token: z.string() }).parse(request.params);
    const { workshop } = await respondentFor(app, token);
    if (!workshop?.resultsRevealed) throw notFound();
    const { definition, group } = await loadGroup(app, workshop, 'votes');
    return reply.header('cache-control', 'no-store').page('workshops/group', {
      title: `Group results: ${workshop.title}`,
      workshop: { title: workshop.title },
      assessment: definition,
      group,
      results: group.results,
      privatePath: `/r/${token}`,
    });
  });

  app.get('/join', async (_request, reply) => reply.page('workshops/join-code', { title: 'Join a workshop' }));

  app.post('/join', async (request, reply) => {
    const typed = z.object({ code: z.string().max(100) }).catch({ code: '' }).parse(request.body).code;
    const workshop = await lookUp(request, reply, typed);
    if (!workshop) {
      return reply.status(404).page('workshops/join-code', {
        title: 'Join a workshop',
        code: typed,
        error: 'No open workshop has that code. Check it with your facilitator.',
      });
    }
    return reply.redirect(`/j/${workshop.joinCode}`, 303);
  });

  app.get('/j/:code', async (request, reply) => {
    const workshop = await lookUp(request, reply, codeParams.parse(request.params).code);
    if (!workshop) throw notFound();
    // "?as=new": someone else on a shared device starts their own response.
    const someoneElse = (request.query as Record<string, unknown>).as === 'new';
    const token = someoneElse ? undefined : await returningParticipant(app, request, workshop);
    if (token) return reply.redirect(`/r/${token}`, 303);
    const definition = app.assessments.get(workshop.assessmentId, workshop.assessmentVersion);
    return renderJoin(reply, workshop, definition?.title ?? '', undefined, someoneElse);
  });

  app.post('/j/:code', async (request, reply) => {
    const workshop = await lookUp(request, reply, codeParams.parse(request.params).code);
    if (!workshop) throw notFound();
    // Joining twice from one device (a double click, a retry) keeps the first response,
    // unless this is someone else on a shared device.
    const someoneElse = (request.body as Record<string, unknown> | undefined)?.someoneElse === 'yes';
    const existing = someoneElse ? undefined : await returningParticipant(app, request, workshop);
    if (existing) return reply.redirect(`/r/${existing}/start`, 303);
    const definition = app.assessments.get(workshop.assessmentId, workshop.assessmentVersion);
    const body = joinBody.safeParse(request.body);
    if (!body.success || !workshop.roles.includes(body.data.role)) {
      return renderJoin(reply.status(422), workshop, definition?.title ?? '', 'Choose the role you are answering as.', someoneElse);
    }
    const token = newPrivateToken();
    await createResponse(app.db, {
      tokenHash: hashPrivateToken(token),
      assessmentId: workshop.assessmentId,
      assessmentVersion: workshop.assessmentVersion,
      participant: { workshopId: workshop.id, role: body.data.role, code: newParticipantCode() },
    });
    rememberParticipant(reply, workshop.id, token, app.config.env === 'production');
    return reply.redirect(`/r/${token}/start`, 303);
  });
}
