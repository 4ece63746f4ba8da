import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ParticipantRole } from '../../data/database.js';
import { attemptsUsed, takeAttempt } from '../../data/rate-limits.js';
import { createResponse, findResponseByTokenHash } from '../../data/responses.js';
import { createRoundResponse } from '../../data/rounds.js';
import { findWorkshopByJoinCode, type WorkshopRecord } from '../../data/workshops.js';
import { HttpError, notFound } from '../../http-errors.js';
import { displayJoinCode, newParticipantCode, normaliseJoinCode } from '../../join-codes.js';
import { sharedSecret } from '../../data/settings.js';
import { joinPermission } from '../../domain/anonymity.js';
import { hashIdempotencyKey, hashPrivateToken, joinNonceShape, newJoinNonce, newPrivateToken, privateTokenForJoin } from '../../private-links.js';
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
const joinBody = z.object({
  role: z.enum(['leader', 'team_member']),
  onRecord: z.literal('yes').optional().catch(undefined),
  nonce: z.string().regex(joinNonceShape).optional().catch(undefined),
});

/** The workshop for a typed code; a wrong code and a missing one look the same. */
async function workshopByCode(app: FastifyInstance, typed: string): Promise<WorkshopRecord | undefined> {
  const code = normaliseJoinCode(typed);
  if (!code) return undefined;
  return findWorkshopByJoinCode(app.db, code);
}

/** A closed workshop's join link says so (410), instead of looking like a wrong code. */
function renderClosed(reply: FastifyReply, workshop: WorkshopRecord) {
  return reply
    .status(410)
    .header('cache-control', 'no-store')
    .page('workshops/join-closed', { title: `${workshop.title} has closed`, workshop: { title: workshop.title } });
}

/** The participant's own response on this device, if the cookie still points at one in this workshop. */
async function returningParticipant(app: FastifyInstance, request: FastifyRequest, workshop: WorkshopRecord) {
  const token = participantToken(request, workshop.id);
  if (!token) return undefined;
  const response = await findResponseByTokenHash(app.db, hashPrivateToken(token));
  return response?.workshopId === workshop.id ? token : undefined;
}

interface JoinPageState {
  error?: string;
  someoneElse?: boolean;
  /** Why this visitor may not join (the coach who runs it). */
  refusal?: string;
  values?: { role?: string; onRecord?: boolean };
}

function renderJoin(reply: FastifyReply, workshop: WorkshopRecord, definitionTitle: string, state: JoinPageState = {}) {
  return reply.header('cache-control', 'no-store').page('workshops/join', {
    title: `Join ${workshop.title}`,
    workshop: {
      title: workshop.title,
      code: displayJoinCode(workshop.joinCode),
      path: `/j/${workshop.joinCode}`,
      leadersOnRecord: workshop.leadersOnRecord && workshop.roles.includes('leader'),
    },
    assessmentTitle: definitionTitle,
    roles: workshop.roles.map((role) => ({
      value: role,
      label: roleLabels[role],
      checked: state.values?.role === role,
      onRecord: role === 'leader' && workshop.leadersOnRecord,
    })),
    minimum: workshop.anonymityMinimum,
    nonce: newJoinNonce(),
    onRecordChecked: state.values?.onRecord ?? false,
    error: state.error,
    someoneElse: state.someoneElse ?? false,
    refusal: state.refusal,
  });
}

export default async function joinRoutes(app: FastifyInstance) {
  const limitKey = (request: FastifyRequest) => `join-miss:${clientNetwork(request.ip)}`;
  const tooMany = (reply: FastifyReply, retryAfterSeconds: number) => {
    reply.header('retry-after', retryAfterSeconds);
    return new HttpError(429, 'rate_limited', 'Too many wrong codes from your network. Wait a minute and try again.');
  };

  /** The workshop for a typed code (open or closed), unless this client has used up its wrong codes (429). */
  async function lookUp(request: FastifyRequest, reply: FastifyReply, typed: string): Promise<WorkshopRecord | undefined> {
    const workshop = await workshopByCode(app, typed);
    if (workshop) {
      const used = await attemptsUsed(app.pg.pool, limitKey(request));
      if (used.count >= joinMissLimits.perClient.max) throw tooMany(reply, used.retryAfterSeconds);
      return workshop;
    }
    const attempt = await takeAttempt(app.pg.pool, limitKey(request), joinMissLimits.perClient);
    if (!attempt.allowed) throw tooMany(reply, attempt.retryAfterSeconds);
    return undefined;
  }
  const guarded = { preHandler: [app.loadUser] };
  const tokenSecret = await sharedSecret(app.db, 'token_secret');

  /** The coach who runs the workshop may not answer in it, from a browser signed in as them. */
  const refusalFor = (request: FastifyRequest, workshop: WorkshopRecord) => {
    const permission = joinPermission({ signedInUserId: request.user?.id ?? null, ownerId: workshop.ownerId });
    return permission.allowed ? undefined : permission.reason;
  };

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

  app.post('/join', guarded, async (request, reply) => {
    const typed = z.object({ code: z.string().max(100) }).catch({ code: '' }).parse(request.body).code;
    const workshop = await lookUp(request, reply, typed);
    if (workshop?.status === 'closed') return renderClosed(reply, workshop);
    if (!workshop) {
      return reply.status(404).page('workshops/join-code', {
        title: 'Join a workshop',
        code: typed,
        error: 'No open workshop has that code. Check it with your facilitator.',
      });
    }
    return reply.redirect(`/j/${workshop.joinCode}`, 303);
  });

  app.get('/j/:code', guarded, async (request, reply) => {
    const workshop = await lookUp(request, reply, codeParams.parse(request.params).code);
    if (!workshop) throw notFound();
    if (workshop.status === 'closed') return renderClosed(reply, workshop);
    // "?as=new": someone else on a shared device starts their own response.
    const someoneElse = (request.query as Record<string, unknown>).as === 'new';
    const token = someoneElse ? undefined : await returningParticipant(app, request, workshop);
    if (token) return reply.redirect(`/r/${token}`, 303);
    const definition = app.assessments.get(workshop.assessmentId, workshop.assessmentVersion);
    const refusal = refusalFor(request, workshop);
    return renderJoin(refusal ? reply.status(403) : reply, workshop, definition?.title ?? '', { someoneElse, refusal });
  });

  app.post('/j/:code', guarded, async (request, reply) => {
    const workshop = await lookUp(request, reply, codeParams.parse(request.params).code);
    if (!workshop) throw notFound();
    if (workshop.status === 'closed') return renderClosed(reply, workshop);
    // Joining twice from one device (a double click, a retry) keeps the first response,
    // unless this is someone else on a shared device.
    const someoneElse = (request.body as Record<string, unknown> | undefined)?.someoneElse === 'yes';
    const existing = someoneElse ? undefined : await returningParticipant(app, request, workshop);
    if (existing) return reply.redirect(`/r/${existing}/start`, 303);
    const definition = app.assessments.get(workshop.assessmentId, workshop.assessmentVersion);
    const refusal = refusalFor(request, workshop);
    if (refusal) return renderJoin(reply.status(403), workshop, definition?.title ?? '', { refusal });
    const body = joinBody.safeParse(request.body);
    const typed = (request.body ?? {}) as Record<string, unknown>;
    const values = { role: typeof typed.role === 'string' ? typed.role : undefined, onRecord: typed.onRecord === 'yes' };
    if (!body.success || !workshop.roles.includes(body.data.role)) {
      return renderJoin(reply.status(422), workshop, definition?.title ?? '', { error: 'Choose the role you are answering as.', someoneElse, values });
    }
    const onRecord = workshop.leadersOnRecord && body.data.role === 'leader';
    if (onRecord && body.data.onRecord !== 'yes') {
      return renderJoin(reply.status(422), workshop, definition?.title ?? '', {
        error: 'Leaders answer on the record in this workshop: tick the box to agree, or choose another role.',
        someoneElse,
        values,
      });
    }
    // One rendering of the form makes one participant: a double-click or a retry carries the same
    // nonce, derives the same private link and finds the response the first post created.
    const nonce = body.data.nonce;
    const token = nonce ? privateTokenForJoin(tokenSecret, workshop.id, nonce) : newPrivateToken();
    if (workshop.organisationId && workshop.roundId && workshop.teamId) {
      // A workshop run for a team in an organisation's round: the response belongs to both.
      const created = await createRoundResponse(app.db, {
        organisationId: workshop.organisationId,
        roundId: workshop.roundId,
        teamId: workshop.teamId,
        role: body.data.role,
        tokenHash: hashPrivateToken(token),
        participantCode: newParticipantCode(),
        workshopId: workshop.id,
        onRecord,
        creationKey: nonce ? `join:${hashIdempotencyKey(`${workshop.id}:${nonce}`)}` : undefined,
      });
      if (!created) throw notFound();
      rememberParticipant(reply, workshop.id, token, app.config.env === 'production');
      return reply.redirect(`/r/${token}/start`, 303);
    }
    await createResponse(app.db, {
      tokenHash: hashPrivateToken(token),
      assessmentId: workshop.assessmentId,
      assessmentVersion: workshop.assessmentVersion,
      creationKey: nonce ? `join:${hashIdempotencyKey(`${workshop.id}:${nonce}`)}` : undefined,
      participant: { workshopId: workshop.id, role: body.data.role, code: newParticipantCode(), onRecord },
    });
    rememberParticipant(reply, workshop.id, token, app.config.env === 'production');
    return reply.redirect(`/r/${token}/start`, 303);
  });
}
