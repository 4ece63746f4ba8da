import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * A participant's way back on the same device: a signed, HttpOnly cookie per
 * workshop holding their private token. No account, nothing else about them.
 */
const cookieName = (workshopId: string) => `sp_w_${workshopId}`;
const maxAgeSeconds = 60 * 60 * 24 * 90;

export function participantToken(request: FastifyRequest, workshopId: string): string | undefined {
  const raw = request.cookies[cookieName(workshopId)];
  if (!raw) return undefined;
  const unsigned = request.unsignCookie(raw);
  return unsigned.valid && unsigned.value ? unsigned.value : undefined;
}

export function rememberParticipant(reply: FastifyReply, workshopId: string, token: string, secure: boolean): void {
  reply.setCookie(cookieName(workshopId), token, {
    signed: true,
    httpOnly: true,
    sameSite: 'lax',
    secure,
    path: '/',
    maxAge: maxAgeSeconds,
  });
}
