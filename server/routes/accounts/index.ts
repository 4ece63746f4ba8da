import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { hashPassword, verifyAgainstDummy, verifyPassword } from '../../accounts/passwords.js';
import { createUser, findUserByEmail } from '../../data/accounts.js';
import { refundAttempt, takeAttempt } from '../../data/rate-limits.js';
import { HttpError } from '../../http-errors.js';
import { safeNextPath, signIn, signOut } from '../../plugins/auth.js';
import { singleValues } from '../form-fields.js';

/** Where a coach lands after signing in or up when no `next` page was asked for. */
export const coachHome = '/coach';

/**
 * Guessing a coach's password is slow, and strangers cannot lock the coach out of a browser they
 * have signed in with before:
 * - per client address, every sign-in post counts (guessing from one place);
 * - per email, wrong passwords from browsers the account has not signed in with (strangers);
 * - per email and known browser (a signed cookie set at sign-up and sign-in), wrong passwords from
 *   that browser: strangers using up the first budget do not touch this one.
 * A try is counted before the password is checked (so parallel tries cannot overshoot) and given
 * back when the password was right.
 */
export const signInLimits = {
  perAddress: { max: 10, timeWindow: 60_000 },
  perEmail: { max: 20, timeWindow: 15 * 60_000 },
  perKnownDevice: { max: 10, timeWindow: 15 * 60_000 },
} as const;

const deviceCookieName = 'sp_device';
const deviceCookieMaxAge = 400 * 24 * 60 * 60;

/** The id of this browser if it has signed in to `userId` before (a signed cookie), else undefined. */
function knownDevice(request: FastifyRequest, userId: string): string | undefined {
  const raw = request.cookies[deviceCookieName];
  if (!raw) return undefined;
  const { valid, value } = request.unsignCookie(raw);
  if (!valid || !value) return undefined;
  const [owner, device] = value.split('.');
  return owner === userId && device && /^[A-Za-z0-9_-]{22}$/.test(device) ? device : undefined;
}

function rememberDevice(request: FastifyRequest, reply: FastifyReply, userId: string): void {
  const device = knownDevice(request, userId) ?? randomBytes(16).toString('base64url');
  reply.setCookie(deviceCookieName, `${userId}.${device}`, {
    signed: true,
    httpOnly: true,
    sameSite: 'lax',
    path: '/sign-in',
    secure: request.server.config.env === 'production',
    maxAge: deviceCookieMaxAge,
  });
}

/** Sign-ups per client address: each costs a deliberately slow password hash. */
export const signUpLimit = { max: 30, timeWindow: '1 minute' } as const;

const minPasswordLength = 12;
const maxPasswordLength = 1000;
const credentialsMismatch = 'That email and password do not match.';
const emailTaken = 'An account with this email address already exists. Sign in instead, or use another address.';

const emailField = z
  .string({ error: 'Enter your email address.' })
  .trim()
  .toLowerCase()
  .min(1, 'Enter your email address.')
  .max(254, 'Enter an email address of at most 254 characters.')
  .pipe(z.email({ error: 'Enter an email address like name@example.com.' }));

/** Length in characters as a person counts them (code points), not UTF-16 units. */
const characters = (s: string) => [...s].length;

const signUpForm = z
  .object({
    displayName: z
      .string({ error: 'Enter your name.' })
      .trim()
      .min(1, 'Enter your name.')
      .max(100, 'Keep your name to 100 characters or fewer.'),
    email: emailField,
    password: z
      .string({ error: 'Choose a password.' })
      .min(1, 'Choose a password.')
      .refine((pw) => pw === '' || characters(pw) >= minPasswordLength, `Use at least ${minPasswordLength} characters.`)
      .refine((pw) => characters(pw) <= maxPasswordLength, `Use at most ${maxPasswordLength} characters.`),
    confirmPassword: z.string({ error: 'Enter the password again.' }).min(1, 'Enter the password again.'),
  })
  .superRefine(
    (form, ctx) => {
      if (form.password !== form.confirmPassword) {
        ctx.addIssue({ code: 'custom', path: ['confirmPassword'], message: 'The two passwords are not the same.' });
      }
    },
    // Also when other fields are wrong, so every problem shows at once.
    { when: ({ value }) => isRecord(value) && typeof value.password === 'string' && typeof value.confirmPassword === 'string' && value.confirmPassword !== '' },
  );

const signInForm = z.object({
  email: emailField,
  password: z
    .string({ error: 'Enter your password.' })
    .min(1, 'Enter your password.')
    .max(maxPasswordLength * 4, credentialsMismatch),
});

const nextQuery = z.object({ next: z.unknown().optional() });

const signUpFields = ['displayName', 'email', 'password', 'confirmPassword'] as const;
const signInFields = ['email', 'password'] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The messages in the order the fields appear on the page. */
const ordered = (errors: Map<string, string>, order: readonly string[]) =>
  new Map(order.filter((f) => errors.has(f)).map((f) => [f, errors.get(f)!]));

/** What the person typed in the fields that may be shown again (never a password). */
function keptValues(form: Record<string, unknown>, fields: readonly string[]): Record<string, string> {
  return Object.fromEntries(fields.map((f) => [f, typeof form[f] === 'string' ? form[f] : '']));
}

/** The first message per field, in the order the fields appear on the page. */
function fieldErrors(error: z.ZodError, order: readonly string[]): Map<string, string> {
  const byField = new Map<string, string>();
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? order[0]);
    if (!byField.has(field)) byField.set(field, issue.message);
  }
  return new Map(order.filter((f) => byField.has(f)).map((f) => [f, byField.get(f)!]));
}

interface FormState {
  next?: string;
  values?: Record<string, string>;
  errors?: Map<string, string>;
}

function formView(reply: FastifyReply, { next, values = {}, errors = new Map() }: FormState) {
  const nextQueryString = next ? `?next=${encodeURIComponent(next)}` : '';
  return {
    next,
    values,
    errors: Object.fromEntries(errors),
    errorList: [...errors].map(([field, message]) => ({ field, message })),
    signedInAs: reply.request.user,
    signInHref: `/sign-in${nextQueryString}`,
    signUpHref: `/sign-up${nextQueryString}`,
  };
}

/** Account pages carry a CSRF token and, after a failed post, an email: keep them out of caches. */
const accountPage = (reply: FastifyReply) => reply.header('cache-control', 'no-store');

function renderSignUp(reply: FastifyReply, state: FormState) {
  return accountPage(reply).page('accounts/sign-up', { title: 'Create a coach account', ...formView(reply, state) });
}

function renderSignIn(reply: FastifyReply, state: FormState & { mismatch?: boolean }) {
  return accountPage(reply).page('accounts/sign-in', {
    title: 'Sign in',
    ...formView(reply, state),
    mismatch: state.mismatch ? credentialsMismatch : undefined,
  });
}

const tooManySignIns = (message: string) => new HttpError(429, 'rate_limited', message);

export default async function accountRoutes(app: FastifyInstance) {
  app.get('/sign-up', { preHandler: app.loadUser }, async (request, reply) =>
    renderSignUp(reply, { next: safeNextPath(nextQuery.parse(request.query ?? {}).next) }),
  );

  app.post(
    '/sign-up',
    {
      config: {
        rateLimit: {
          ...signUpLimit,
          errorResponseBuilder: () => tooManySignIns('Too many accounts were created from your network just now. Wait a minute and try again.'),
        },
      },
    },
    async (request, reply) => {
      const { form, problems } = singleValues(request.body, [...signUpFields, 'next']);
      const next = safeNextPath(form.next);
      const values = keptValues(form, ['displayName', 'email']);
      const parsed = signUpForm.safeParse(form);
      if (!parsed.success || problems.size > 0) {
        const errors = new Map([...problems, ...(parsed.success ? [] : fieldErrors(parsed.error, signUpFields))].reverse());
        return renderSignUp(reply.code(422), { next, values, errors: ordered(errors, signUpFields) });
      }
      const { displayName, email, password } = parsed.data;
      const result = await createUser(app.db, { email, displayName, passwordHash: await hashPassword(password) });
      if (!result.created) {
        return renderSignUp(reply.code(422), { next, values, errors: new Map([['email', emailTaken]]) });
      }
      await signIn(reply, result.user.id);
      rememberDevice(request, reply, result.user.id);
      return reply.redirect(next ?? coachHome, 303);
    },
  );

  app.get('/sign-in', { preHandler: app.loadUser }, async (request, reply) =>
    renderSignIn(reply, { next: safeNextPath(nextQuery.parse(request.query ?? {}).next) }),
  );

  app.post(
    '/sign-in',
    {
      config: {
        rateLimit: {
          ...signInLimits.perAddress,
          errorResponseBuilder: () =>
            tooManySignIns('Too many sign-in attempts from your network. Wait a minute and try again.'),
        },
      },
    },
    async (request, reply) => {
      const { form, problems } = singleValues(request.body, [...signInFields, 'next']);
      const next = safeNextPath(form.next);
      const values = keptValues(form, ['email']);
      const parsed = signInForm.safeParse(form);
      if (!parsed.success || problems.size > 0) {
        const errors = new Map([...problems, ...(parsed.success ? [] : fieldErrors(parsed.error, signInFields))].reverse());
        return renderSignIn(reply.code(422), { next, values, errors: ordered(errors, signInFields) });
      }
      const { email, password } = parsed.data;
      const user = await findUserByEmail(app.db, email);
      const device = user ? knownDevice(request, user.id) : undefined;
      const [key, limit] = device
        ? [`sign-in:${email}:device:${device}`, signInLimits.perKnownDevice]
        : [`sign-in:${email}`, signInLimits.perEmail];
      const attempt = await takeAttempt(app.pg.pool, key, limit);
      if (!attempt.allowed) {
        reply.header('retry-after', attempt.retryAfterSeconds);
        throw tooManySignIns(
          device
            ? 'Too many wrong passwords from this browser. Wait a few minutes and try again.'
            : 'Too many sign-in attempts for this email address. Wait a few minutes and try again, or sign in from a browser you have used with this account before.',
        );
      }
      // An unknown email costs the same scrypt run as a wrong password, and gets the same answer.
      const matches = user ? await verifyPassword(password, user.passwordHash) : await verifyAgainstDummy(password);
      if (!user || !matches) return renderSignIn(reply.code(422), { next, values, mismatch: true });
      await refundAttempt(app.pg.pool, key);
      await signIn(reply, user.id);
      rememberDevice(request, reply, user.id);
      return reply.redirect(next ?? coachHome, 303);
    },
  );

  app.post('/sign-out', async (_request, reply) => {
    await signOut(reply);
    return reply.redirect('/', 303);
  });
}
