import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import {
  createSession,
  deleteExpiredSessions,
  deleteSession,
  findSessionUser,
  hashSessionToken,
  isWellFormedSessionToken,
  type AccountUser,
} from '../data/accounts.js';
import { HttpError } from '../http-errors.js';
import { wantsJson } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user, once `app.requireCoach` or `app.loadUser` has run for this request; otherwise null. */
    user: AccountUser | null;
  }
  interface FastifyInstance {
    /**
     * preHandler for pages only a signed-in coach may see: sets `request.user`, or redirects
     * (303) to `/sign-in?next=<this page>`. Sends `Cache-Control: no-store`.
     */
    requireCoach: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;
    /** preHandler for pages that only show "signed in as": sets `request.user` (or leaves it null). */
    loadUser: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
}

export const sessionCookieName = 'sp_session';
/** Sessions last 30 days from sign-in (not sliding). */
export const sessionTtlSeconds = 30 * 24 * 60 * 60;
const sweepEveryMs = 60 * 60 * 1000;

const cookieOptions = (request: FastifyRequest): CookieSerializeOptions => ({
  signed: true,
  httpOnly: true,
  sameSite: 'lax',
  path: '/',
  secure: request.server.config.env === 'production',
});

/** The session token from the signed cookie, if the signature holds and it is shaped like one. */
function sessionTokenOf(request: FastifyRequest): string | undefined {
  const raw = request.cookies[sessionCookieName];
  if (!raw) return undefined;
  const { valid, value } = request.unsignCookie(raw);
  return valid && value !== null && isWellFormedSessionToken(value) ? value : undefined;
}

const looked = new WeakSet<FastifyRequest>();

/** Look the session up at most once per request. A cookie that no longer opens a session is cleared. */
async function loadUserOnce(request: FastifyRequest, reply: FastifyReply): Promise<AccountUser | null> {
  if (looked.has(request)) return request.user;
  looked.add(request);
  const token = sessionTokenOf(request);
  request.user = token ? ((await findSessionUser(request.server.db, hashSessionToken(token))) ?? null) : null;
  if (!request.user && request.cookies[sessionCookieName] !== undefined) {
    reply.clearCookie(sessionCookieName, cookieOptions(request));
  }
  return request.user;
}

/**
 * `next` as a path on this site ("/coach/workshops/1?tab=x"), or undefined for anything that could
 * leave it: absolute URLs, scheme-relative `//host`, `/\host` (browsers read `\` as `/`), control
 * characters, and the account pages themselves.
 */
export function safeNextPath(raw: unknown): string | undefined {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 2000) return undefined;
  if (!raw.startsWith('/') || raw.includes('\\') || raw.startsWith('//')) return undefined;
  if ([...raw].some((ch) => ch < ' ' || ch === '\x7f')) return undefined;
  const base = new URL('http://stallpoint.invalid/');
  const url = URL.canParse(raw, base) ? new URL(raw, base) : undefined;
  if (!url || url.origin !== base.origin) return undefined;
  if (/^\/sign-(in|up|out)(\/|$)/.test(url.pathname)) return undefined;
  // Normalising can turn "/.//evil.example" or "/%2e//evil.example" into "//evil.example": check again.
  if (url.pathname.startsWith('//') || url.pathname.includes('\\')) return undefined;
  return `${url.pathname}${url.search}${url.hash}`;
}

/** "/sign-in" or "/sign-in?next=%2Fcoach…" */
export function signInPath(next: string | undefined): string {
  return next ? `/sign-in?next=${encodeURIComponent(next)}` : '/sign-in';
}

/** The page to come back to: the request itself for a GET; for htmx, the page it was sent from. */
function returnPathOf(request: FastifyRequest): string | undefined {
  const current = request.headers['hx-current-url'];
  if (request.headers['hx-request'] === 'true' && typeof current === 'string' && URL.canParse(current)) {
    const url = new URL(current);
    return safeNextPath(`${url.pathname}${url.search}`);
  }
  return request.method === 'GET' || request.method === 'HEAD' ? safeNextPath(request.url) : undefined;
}

/**
 * Start a fresh session for `userId` and set its cookie. Any session the request already carried
 * is deleted first, so a session id planted before sign-in is never the one signed in (no fixation).
 */
export async function signIn(reply: FastifyReply, userId: string): Promise<void> {
  const { request } = reply;
  const previous = sessionTokenOf(request);
  if (previous) await deleteSession(request.server.db, hashSessionToken(previous));
  const token = await createSession(request.server.db, userId, sessionTtlSeconds);
  reply.setCookie(sessionCookieName, token, { ...cookieOptions(request), maxAge: sessionTtlSeconds });
  looked.delete(request);
}

/** End the request's session, server-side and in the browser. */
export async function signOut(reply: FastifyReply): Promise<void> {
  const { request } = reply;
  const token = sessionTokenOf(request);
  if (token) await deleteSession(request.server.db, hashSessionToken(token));
  reply.clearCookie(sessionCookieName, cookieOptions(request));
  request.user = null;
  looked.add(request);
}

/**
 * Signed-in coaches: a server-side session (PostgreSQL) behind a signed HttpOnly SameSite=Lax
 * cookie. Sessions are looked up only on routes that ask (`requireCoach`, `loadUser`).
 * "Coach" means any signed-in user today; organisation roles will narrow it later.
 */
export default fp(
  async (app: FastifyInstance) => {
    app.decorateRequest('user', null);

    app.decorate('loadUser', async (request: FastifyRequest, reply: FastifyReply) => {
      await loadUserOnce(request, reply);
    });

    app.decorate('requireCoach', async (request: FastifyRequest, reply: FastifyReply) => {
      if (await loadUserOnce(request, reply)) {
        reply.header('cache-control', 'no-store');
        return undefined;
      }
      if (wantsJson(request)) throw new HttpError(401, 'unauthenticated', 'Sign in to continue.');
      const target = signInPath(returnPathOf(request));
      if (request.headers['hx-request'] === 'true') {
        // htmx follows a 303 inside the swap target; this makes it load the sign-in page instead.
        return reply.code(401).header('hx-redirect', target).send();
      }
      return reply.redirect(target, 303);
    });

    // Expired sessions are refused on lookup; this only keeps the table small. Every app process
    // runs it, which is harmless: the delete is idempotent.
    const sweep = setInterval(() => {
      deleteExpiredSessions(app.db).then(
        (count) => count > 0 && app.log.info({ count }, 'expired sessions deleted'),
        (error: unknown) => app.log.warn({ err: error }, 'could not delete expired sessions'),
      );
    }, sweepEveryMs);
    sweep.unref();
    app.addHook('onClose', async () => clearInterval(sweep));
  },
  { name: 'auth', dependencies: ['security', 'database'] },
);
