import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { deleteExpiredSessions } from '../../server/data/accounts.js';
import { signInLimits } from '../../server/routes/accounts/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { Visitor } from '../support/app.js';

let app: FastifyInstance;
let database: TestDatabase;

/** A page only a signed-in coach may see, so `requireCoach` is tested without the coach home. */
const coachOnly = '/test/coach-only';

beforeAll(async () => {
  // startTestApp() is already ready(); this file needs one extra route first, so it builds the app itself.
  database = await createTestDatabase();
  app = await buildApp({
    config: loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' }),
    database: { connectionString: database.url, poolMax: 4, migrate: false },
    logger: false,
  });
  app.get(coachOnly, { preHandler: app.requireCoach }, async (request) => ({ user: request.user }));
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await database?.drop();
});

// Every visitor gets its own address and every coach their own email, so the sign-in limits
// (per address and per email) only bite in the tests about them.
let counter = 0;
const visitor = () => new Visitor(app, `192.0.2.${++counter}`);
const newEmail = () => `coach-${++counter}@example.com`;
const password = 'a long enough passphrase';

async function signUp(v: Visitor, fields: Record<string, string> = {}) {
  await v.get('/sign-up');
  return v.post('/sign-up', {
    displayName: 'Ada Coach',
    email: newEmail(),
    password,
    confirmPassword: fields.password ?? password,
    ...fields,
  });
}

async function signIn(v: Visitor, email: string, pw = password, extra: Record<string, string> = {}) {
  await v.get('/sign-in');
  return v.post('/sign-in', { email, password: pw, ...extra });
}

const sessionCookieOf = (response: { cookies: { name: string; value: string }[] }) =>
  response.cookies.find((c) => c.name === 'sp_session');

async function sessionsOf(email: string) {
  const rows = await app.db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['sessions.token_hash'])
    .where('users.email', '=', email)
    .execute();
  return rows.length;
}

/** A request to the coach-only page carrying exactly this session cookie (no other state). */
const withSession = (value: string, url = coachOnly) =>
  app.inject({ url, headers: { cookie: `sp_session=${value}` } });

describe('signing up', () => {
  it('creates the account, signs in with an HttpOnly SameSite=Lax session cookie and goes to the coach home', async () => {
    const v = visitor();
    const response = await signUp(v, { email: '  Ada.Coach@Example.COM ' });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/coach');

    const cookie = sessionCookieOf(response);
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/', maxAge: 30 * 24 * 60 * 60 });
    expect((cookie as { secure?: boolean }).secure).toBeFalsy(); // Secure only when NODE_ENV=production

    const user = await app.db.selectFrom('users').selectAll().where('email', '=', 'ada.coach@example.com').executeTakeFirstOrThrow();
    expect(user.display_name).toBe('Ada Coach');
    expect(user.password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(user.password_hash).not.toContain(password);

    // Only the token's sha256 is stored: the cookie's token is nowhere in the table.
    const token = app.unsignCookie(cookie!.value).value!;
    const stored = await app.db.selectFrom('sessions').selectAll().where('user_id', '=', user.id).execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.token_hash.toString('base64url')).not.toBe(token);

    const home = await withSession(cookie!.value);
    expect(home.statusCode).toBe(200);
    expect(home.json().user).toEqual({ id: user.id, email: 'ada.coach@example.com', displayName: 'Ada Coach' });
  });

  it('the form is labelled, with autocomplete hints, a CSRF field and no password ever echoed', async () => {
    const page = await visitor().get('/sign-up');
    expect(page.statusCode).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    for (const [id, autocomplete] of [
      ['displayName', 'name'],
      ['email', 'email'],
      ['password', 'new-password'],
      ['confirmPassword', 'new-password'],
    ]) {
      expect(page.body).toContain(`<label for="${id}">`);
      expect(page.body).toMatch(new RegExp(`<input id="${id}" name="${id}" type="[a-z]+" autocomplete="${autocomplete}"`));
    }
    expect(page.body).toMatch(/<input type="hidden" name="_csrf" value="[^"]+">/);
  });

  it('an email that already has an account (in any case) → 422, the values kept, the password not', async () => {
    const email = newEmail();
    await signUp(visitor(), { email });
    const v = visitor();
    const response = await signUp(v, { email: email.toUpperCase(), displayName: 'Grace <Second>' });
    expect(response.statusCode).toBe(422);
    expect(response.body).toContain('An account with this email address already exists.');
    expect(response.body).toContain('<li><a href="#email">An account with this email address already exists.');
    expect(response.body).toContain(`value="${email.toUpperCase()}" aria-invalid="true" aria-describedby="email-error"`);
    expect(response.body).toContain('value="Grace &lt;Second&gt;"');
    expect(response.body).not.toContain(password);
    expect(sessionCookieOf(response)).toBeUndefined();
    const count = await app.db.selectFrom('users').select(sql<string>`count(*)`.as('n')).where('email', '=', email).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(1);
  });

  it('a password shorter than 12 characters → 422 with the field error, and no account', async () => {
    const email = newEmail();
    const response = await signUp(visitor(), { email, password: 'elevenchars' });
    expect(response.statusCode).toBe(422);
    expect(response.body).toContain('<p class="field-error" id="password-error">Use at least 12 characters.</p>');
    expect(response.body).toContain('aria-describedby="password-hint password-error" aria-invalid="true"');
    expect(response.body).not.toContain('elevenchars');
    expect(await app.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst()).toBeUndefined();
  });

  it('every problem is listed at once: missing name, bad email, passwords that differ', async () => {
    const response = await signUp(visitor(), { displayName: '  ', email: 'not-an-email', confirmPassword: 'something else entirely' });
    expect(response.statusCode).toBe(422);
    const summary = [...response.body.matchAll(/<li><a href="#([A-Za-z]+)">([^<]+)<\/a><\/li>/g)].map((m) => [m[1], m[2]]);
    expect(summary).toEqual([
      ['displayName', 'Enter your name.'],
      ['email', 'Enter an email address like name@example.com.'],
      ['confirmPassword', 'The two passwords are not the same.'],
    ]);
    expect(response.body).toContain('value="not-an-email"');
  });
});

describe('signing in and out', () => {
  it('signing out deletes the session server-side: the old cookie no longer opens anything', async () => {
    const v = visitor();
    const email = newEmail();
    const cookie = sessionCookieOf(await signUp(v, { email }))!.value;
    expect((await withSession(cookie)).statusCode).toBe(200);

    await v.get('/sign-in'); // any page, for the CSRF token
    const out = await v.post('/sign-out');
    expect(out.statusCode).toBe(303);
    expect(out.headers.location).toBe('/');
    const cleared = sessionCookieOf(out)!;
    expect(cleared.value).toBe('');
    expect(new Date((cleared as { expires?: Date }).expires ?? 0).getTime()).toBeLessThan(Date.now());
    expect(await sessionsOf(email)).toBe(0);

    const replayed = await withSession(cookie);
    expect(replayed.statusCode).toBe(303);
    expect(replayed.headers.location).toBe(`/sign-in?next=${encodeURIComponent(coachOnly)}`);
  });

  it('signs in with the email in any case, and every sign-in gets a new session id', async () => {
    const email = newEmail();
    const v = visitor();
    const first = sessionCookieOf(await signUp(v, { email }))!.value;
    const response = await signIn(v, ` ${email.toUpperCase()} `);
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/coach');
    const second = sessionCookieOf(response)!.value;
    expect(app.unsignCookie(second).value).not.toBe(app.unsignCookie(first).value);
    // The session carried into the sign-in is gone, so a planted session id is never the signed-in one.
    expect((await withSession(first)).statusCode).toBe(303);
    expect((await withSession(second)).statusCode).toBe(200);
    expect(await sessionsOf(email)).toBe(1);
  });

  it('a wrong password and an unknown email get the same 422 and the same message', async () => {
    const email = newEmail();
    await signUp(visitor(), { email });
    const wrongPassword = await signIn(visitor(), email, 'not the right passphrase');
    const unknownEmail = await signIn(visitor(), newEmail(), password);
    for (const response of [wrongPassword, unknownEmail]) {
      expect(response.statusCode).toBe(422);
      expect(response.body).toContain('<p class="field-error" id="credentials-error">That email and password do not match.</p>');
      expect(sessionCookieOf(response)).toBeUndefined();
      expect(response.body).not.toContain(password);
    }
    const normalise = (body: string) => body.replace(/value="[^"]*"/g, 'value=""').replace(/"x-csrf-token": "[^"]+"/, '');
    expect(normalise(wrongPassword.body)).toBe(normalise(unknownEmail.body));
  });

  it('an empty form → 422 with a message per field', async () => {
    const response = await signIn(visitor(), '', '');
    expect(response.statusCode).toBe(422);
    expect(response.body).toContain('<p class="field-error" id="email-error">Enter your email address.</p>');
    expect(response.body).toContain('<p class="field-error" id="password-error">Enter your password.</p>');
  });

  it('the sign-in form is labelled, with autocomplete hints and a link to sign up that keeps next', async () => {
    const page = await visitor().get('/sign-in?next=%2Fcoach%2Fworkshops');
    expect(page.body).toMatch(/<label for="email">[\s\S]*<input id="email" name="email" type="email" autocomplete="email"/);
    expect(page.body).toMatch(/<label for="password">[\s\S]*<input id="password" name="password" type="password" autocomplete="current-password"/);
    expect(page.body).toContain('<input type="hidden" name="next" value="/coach/workshops">');
    expect(page.body).toContain('href="/sign-up?next&#x3D;%2Fcoach%2Fworkshops"'); // Handlebars escapes =
  });

  it('refuses a sign-in without the form’s CSRF token', async () => {
    const email = newEmail();
    await signUp(visitor(), { email });
    const forged = await signIn(visitor(), email, password, { _csrf: '' });
    expect(forged.statusCode).toBe(403);
    expect(sessionCookieOf(forged)).toBeUndefined();
    // A cross-site post carries no CSRF cookie at all.
    const crossSite = await visitor().post('/sign-in', { email, password });
    expect(crossSite.statusCode).toBe(403);
  });
});

describe('next: back to the page that asked for a sign-in', () => {
  it('a coach-only page sends a visitor to sign in and, after it, back to the page', async () => {
    const v = visitor();
    const email = newEmail();
    await signUp(visitor(), { email });
    const asked = await v.get(`${coachOnly}?tab=open`);
    expect(asked.statusCode).toBe(303);
    const signInUrl = asked.headers.location as string;
    expect(signInUrl).toBe(`/sign-in?next=${encodeURIComponent(`${coachOnly}?tab=open`)}`);
    await v.get(signInUrl);
    const response = await v.post('/sign-in', { email, password, next: `${coachOnly}?tab=open` });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe(`${coachOnly}?tab=open`);
    const page = await v.get(`${coachOnly}?tab=open`);
    expect(page.statusCode).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
  });

  it('an htmx request without a session is told to load the sign-in page for the page it came from', async () => {
    const response = await app.inject({
      url: coachOnly,
      headers: { 'hx-request': 'true', 'hx-current-url': 'http://localhost/coach/workshops/7?x=1' },
    });
    expect(response.statusCode).toBe(401);
    expect(response.headers['hx-redirect']).toBe(`/sign-in?next=${encodeURIComponent('/coach/workshops/7?x=1')}`);
  });

  it.each(['//evil.example', 'https://evil.example', '/\\evil.example', '/\\/evil.example', '/.//evil.example', '/a/..//evil.example', '/%2e//evil.example', 'javascript:alert(1)', '/sign-in', ' /coach'])(
    'next=%s leaves the site or loops, so it is ignored',
    async (next) => {
      const email = newEmail();
      await signUp(visitor(), { email });
      const v = visitor();
      const page = await v.get(`/sign-in?next=${encodeURIComponent(next)}`);
      expect(page.body).not.toContain('name="next"');
      const response = await v.post('/sign-in', { email, password, next });
      expect(response.statusCode).toBe(303);
      expect(response.headers.location).toBe('/coach');
      const up = await signUp(visitor(), { next });
      expect(up.headers.location).toBe('/coach');
    },
  );
});

describe('sign-in limits', () => {
  it(`after ${signInLimits.perAddress.max} tries from one address the next gets 429; another address still signs in`, async () => {
    const email = newEmail();
    await signUp(visitor(), { email });
    const attacker = visitor();
    await attacker.get('/sign-in');
    const statuses: number[] = [];
    for (let i = 0; i < signInLimits.perAddress.max + 1; i++) {
      statuses.push((await attacker.post('/sign-in', { email, password: `guess number ${i}` })).statusCode);
    }
    expect(statuses.slice(0, -1).every((s) => s === 422)).toBe(true);
    expect(statuses.at(-1)).toBe(429);

    const limited = await attacker.post('/sign-in', { email, password });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
    expect(limited.headers['content-type']).toContain('text/html');
    expect(limited.body).toContain('Too many requests');
    expect(limited.body).toContain('Too many sign-in attempts from your network.');

    expect((await signIn(visitor(), email)).statusCode).toBe(303);
  });

  it(`after ${signInLimits.perEmail.max} tries for one email from many addresses, that email gets 429 everywhere`, async () => {
    const email = newEmail();
    await signUp(visitor(), { email });
    const perAddress = signInLimits.perAddress.max;
    for (let sent = 0; sent < signInLimits.perEmail.max; sent += perAddress) {
      const v = visitor();
      await v.get('/sign-in');
      for (let i = 0; i < Math.min(perAddress, signInLimits.perEmail.max - sent); i++) {
        expect((await v.post('/sign-in', { email, password: `guess ${sent + i}` })).statusCode).toBe(422);
      }
    }
    const fresh = await signIn(visitor(), email);
    expect(fresh.statusCode).toBe(429);
    expect(fresh.body).toContain('Too many sign-in attempts for this email address.');
    expect(Number(fresh.headers['retry-after'])).toBeGreaterThan(0);
    // Other accounts are not affected.
    const other = newEmail();
    await signUp(visitor(), { email: other });
    expect((await signIn(visitor(), other)).statusCode).toBe(303);
  });
});

describe('sessions', () => {
  it('an expired session opens nothing, and the sweep deletes it', async () => {
    const email = newEmail();
    const cookie = sessionCookieOf(await signUp(visitor(), { email }))!.value;
    await app.db
      .updateTable('sessions')
      .set({ expires_at: sql<Date>`now() - interval '1 second'` })
      .where('user_id', '=', app.db.selectFrom('users').select('id').where('email', '=', email))
      .execute();
    const response = await withSession(cookie);
    expect(response.statusCode).toBe(303);
    expect(sessionCookieOf(response)?.value).toBe(''); // the useless cookie is cleared
    expect(await deleteExpiredSessions(app.db)).toBeGreaterThanOrEqual(1);
    expect(await sessionsOf(email)).toBe(0);
  });

  it('a cookie with a forged signature opens nothing', async () => {
    const cookie = sessionCookieOf(await signUp(visitor()))!.value;
    const [token] = cookie.split('.');
    expect((await withSession(`${token}.forgedsignature`)).statusCode).toBe(303);
    expect((await withSession(token!)).statusCode).toBe(303);
  });

  it('the sign-in page says who is signed in and offers to sign out', async () => {
    const v = visitor();
    await signUp(v, { displayName: 'Signed In Sam' });
    const page = await v.get('/sign-in');
    expect(page.body).toContain('You are signed in as <strong>Signed In Sam</strong>');
    expect(page.body).toContain('<form method="post" action="/sign-out">');
  });

  it('strangers guessing one email from 25 addresses at once cannot lock its owner out of a browser they have signed in with', async () => {
    const email = newEmail();
    const owner = visitor();
    expect((await signUp(owner, { email })).statusCode).toBe(303);
    const strangers = await Promise.all(
      Array.from({ length: 25 }, async (_, i) => {
        const v = visitor();
        await v.get('/sign-in');
        return (await v.post('/sign-in', { email, password: `guess number ${i}` })).statusCode;
      }),
    );
    // Counted before checking: exactly the budget is checked, however many arrive at once.
    expect(strangers.filter((s) => s === 422)).toHaveLength(signInLimits.perEmail.max);
    expect(strangers.filter((s) => s === 429)).toHaveLength(25 - signInLimits.perEmail.max);
    // A new browser is refused even with the right password (a refusal must not confirm a guess)…
    expect((await signIn(visitor(), email)).statusCode).toBe(429);
    // …but the owner's own browser signs in.
    expect((await signIn(owner, email)).statusCode).toBe(303);
  });

  it(`a known browser has its own budget: ${signInLimits.perKnownDevice.max} wrong passwords, then 429; the right password does not count`, async () => {
    const email = newEmail();
    const owner = visitor();
    expect((await signUp(owner, { email })).statusCode).toBe(303);
    for (let i = 0; i < 3; i++) expect((await signIn(owner, email)).statusCode).toBe(303);
    /** The owner's browser, on another network each time (under the per-address limit). */
    const ownerElsewhere = () => {
      const moved = visitor();
      const cookies = (v: Visitor) => (v as unknown as { cookies: Map<string, string> }).cookies;
      for (const [name, value] of cookies(owner)) cookies(moved).set(name, value);
      return moved;
    };
    const statuses: number[] = [];
    for (let i = 0; i <= signInLimits.perKnownDevice.max; i++) statuses.push((await signIn(ownerElsewhere(), email, `wrong ${i}`)).statusCode);
    expect(statuses.slice(0, -1).every((s) => s === 422)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });
});
