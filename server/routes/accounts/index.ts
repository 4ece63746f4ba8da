import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { hashPassword, verifyAgainstDummy, verifyPassword } from '../../accounts/passwords.js';
import { createUser, findUserByEmail, normaliseEmail } from '../../data/accounts.js';
import { HttpError } from '../../http-errors.js';
import { safeNextPath, signIn, signOut } from '../../plugins/auth.js';

/** Where a coach lands after signing in or up when no `next` page was asked for. */
export const coachHome = '/coach';

export const signInLimits = {
  /** Per client address: guessing from one place. */
  perAddress: { max: 10, timeWindow: '1 minute' },
  /** Per email, from any address: guessing one account from many places. Counted after the form is valid. */
  perEmail: { max: 20, timeWindow: '15 minutes' },
} as const;
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

const formOf = (body: unknown): Record<string, unknown> => (isRecord(body) ? body : {});

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
  // A second, manual limiter: the route's own (per address) marks the request as limited, so a
  // second route-level limiter would be skipped. This one is keyed on the submitted email.
  const signInsPerEmail = app.createRateLimit({
    ...signInLimits.perEmail,
    keyGenerator: (request) => `email:${normaliseEmail(String(formOf(request.body).email ?? ''))}`,
  });

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
      const form = formOf(request.body);
      const next = safeNextPath(form.next);
      const values = keptValues(form, ['displayName', 'email']);
      const parsed = signUpForm.safeParse(form);
      if (!parsed.success) {
        return renderSignUp(reply.code(422), { next, values, errors: fieldErrors(parsed.error, signUpFields) });
      }
      const { displayName, email, password } = parsed.data;
      const result = await createUser(app.db, { email, displayName, passwordHash: await hashPassword(password) });
      if (!result.created) {
        return renderSignUp(reply.code(422), { next, values, errors: new Map([['email', emailTaken]]) });
      }
      await signIn(reply, result.user.id);
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
      const form = formOf(request.body);
      const next = safeNextPath(form.next);
      const values = keptValues(form, ['email']);
      const parsed = signInForm.safeParse(form);
      if (!parsed.success) {
        return renderSignIn(reply.code(422), { next, values, errors: fieldErrors(parsed.error, signInFields) });
      }
      const limit = await signInsPerEmail(request);
      if (!limit.isAllowed && limit.isExceeded) {
        reply.header('retry-after', limit.ttlInSeconds);
        throw tooManySignIns('Too many sign-in attempts for this email address. Wait a few minutes and try again.');
      }
      const { email, password } = parsed.data;
      const user = await findUserByEmail(app.db, email);
      // An unknown email costs the same scrypt run as a wrong password, and gets the same answer.
      const matches = user ? await verifyPassword(password, user.passwordHash) : await verifyAgainstDummy(password);
      if (!user || !matches) return renderSignIn(reply.code(422), { next, values, mismatch: true });
      await signIn(reply, user.id);
      return reply.redirect(next ?? coachHome, 303);
    },
  );

  app.post('/sign-out', async (_request, reply) => {
    await signOut(reply);
    return reply.redirect('/', 303);
  });
}
