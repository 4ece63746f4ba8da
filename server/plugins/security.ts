import type { IncomingMessage, ServerResponse } from 'node:http';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import helmet from 'helmet';
import { deleteExpiredRateLimits, postgresRateLimitStore } from '../data/rate-limits.js';
import { sharedSecret } from '../data/settings.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * 'same-origin': an htmx request (HX-Request) that the browser marks as same-origin (Fetch
     * Metadata `Sec-Fetch-Site`, or failing that an `Origin` equal to ours) passes without the
     * CSRF token; anything else still needs the token.
     */
    csrf?: 'same-origin';
  }
  interface FastifyInstance {
    applySecurityHeaders(request: IncomingMessage, response: ServerResponse): void;
  }
}

export interface SecurityOptions {
  /** Signs cookies; when absent one is generated once and shared through the database. */
  cookieSecret: string | undefined;
  secureCookies: boolean;
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * OWASP's Fetch Metadata defence plus a custom header: browsers set `Sec-Fetch-Site` themselves
 * (a page cannot forge it), and no other site can make a browser send `HX-Request` without a
 * CORS preflight, which this app never grants. Browsers without Fetch Metadata: the `Origin` they
 * send must be ours. Otherwise the request falls back to the CSRF token.
 */
function sentBySameOrigin(request: FastifyRequest): boolean {
  if (request.headers['hx-request'] !== 'true') return false;
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined) return site === 'same-origin';
  const origin = request.headers.origin;
  if (!origin) return false;
  const ours = request.server.config.publicUrl ?? `${request.protocol}://${request.host}`;
  return origin === ours;
}

/**
 * Security headers with a strict CSP (no inline script or style, no eval:
 * htmx and chart.js run from our own files), signed cookies, CSRF checks on
 * every state-changing HTML request, and the rate limiter routes opt into.
 */
export default fp<SecurityOptions>(
  async (app, options) => {
    // helmet's headers, computed once at start-up and set on every reply. (@fastify/helmet
    // rebuilds them for every request: measured at a tenth of the autosave route's CPU.)
    const securityHeaders = helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          fontSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'none'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          upgradeInsecureRequests: options.secureCookies ? [] : null,
        },
      },
      // Private links live in URLs: never send them to another site.
      referrerPolicy: { policy: 'no-referrer' },
      strictTransportSecurity: options.secureCookies,
    });
    const noop = () => {};
    app.addHook('onRequest', (request, reply, done) => {
      securityHeaders(request.raw, reply.raw, noop);
      done();
    });
    // For the few replies Fastify makes before any hook runs (see frameworkErrors in app.ts).
    app.decorate('applySecurityHeaders', (request: IncomingMessage, response: ServerResponse) =>
      securityHeaders(request, response, noop),
    );

    const secret = options.cookieSecret ?? (await sharedSecret(app.db, 'cookie_secret'));
    await app.register(fastifyCookie, { secret });
    await app.register(fastifyCsrf, {
      cookieOpts: { signed: true, httpOnly: true, sameSite: 'lax', path: '/', secure: options.secureCookies },
      getToken: (request) => {
        const body = request.body as Record<string, unknown> | undefined;
        // A field repeated (a crafted or broken form) arrives as an array: its last value counts.
        const field = body && Array.isArray(body._csrf) ? body._csrf.at(-1) : body?._csrf;
        const fromBody = typeof field === 'string' ? field : undefined;
        const header = request.headers['x-csrf-token'];
        return fromBody ?? (typeof header === 'string' ? header : undefined);
      },
    });
    // Checked after the body is parsed; the JSON API uses no cookies, so it needs no token.
    app.addHook('preHandler', (request, reply, done) => {
      if (safeMethods.has(request.method) || request.url.startsWith('/api/')) return done();
      if (request.routeOptions.config.csrf === 'same-origin' && sentBySameOrigin(request)) return done();
      app.csrfProtection(request, reply, done);
    });

    // Limits are counted in PostgreSQL, so they hold across every app process.
    await app.register(fastifyRateLimit, { global: false, store: postgresRateLimitStore(app.pg.pool) });
    const sweep = setInterval(() => {
      deleteExpiredRateLimits(app.pg.pool).catch((error: unknown) => app.log.warn({ err: error }, 'rate-limit sweep failed'));
    }, 10 * 60_000);
    sweep.unref();
    app.addHook('onClose', async () => clearInterval(sweep));
  },
  { name: 'security', dependencies: ['database'] },
);
