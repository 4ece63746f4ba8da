import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, Visitor, type TestApp } from '../support/app.js';

/** Bad input keeps what was typed and gets a message; odd URLs and bodies get the app's own errors. */

let t: TestApp;
let n = 10;
const visitor = () => new Visitor(t.app, `192.0.2.${n++}`);

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t?.close());

const signUpFields = { email: 'ada@example.com', password: 'a long enough password', confirmPassword: 'a long enough password' };

describe('HTML forms', () => {
  it('a sign-up name with a NUL character: the form again, with the name (cleaned) and a message', async () => {
    const v = visitor();
    await v.get('/sign-up');
    const response = await v.post('/sign-up', { ...signUpFields, displayName: 'Ada\u0000 Lovelace' });
    expect(response.statusCode).toBe(422);
    expect(response.body).toContain('value="Ada Lovelace"');
    expect(response.body).toContain('value="ada@example.com"');
    expect(response.body).toContain('invisible character that cannot be stored');
    // Submitting what is shown now works.
    expect((await v.post('/sign-up', { ...signUpFields, displayName: 'Ada Lovelace' })).statusCode).toBe(303);
  });

  it('a field sent twice: the form again with the last value and a message, not an error page', async () => {
    const v = visitor();
    await v.get('/sign-up');
    const response = await v.post('/sign-up', { ...signUpFields, email: 'bob@example.com', displayName: ['Bob', 'Robert'] });
    expect(response.statusCode).toBe(422);
    expect(response.body).toContain('value="Robert"');
    expect(response.body).toContain('value="bob@example.com"');
    expect(response.body).toContain('sent more than once');
  });

  it('a repeated CSRF field still passes the check (its last value counts)', async () => {
    const v = visitor();
    await v.get('/sign-in');
    const response = await v.post('/sign-in', { _csrf: [v.csrfToken, v.csrfToken], email: 'nobody@example.com', password: 'not the password' });
    expect(response.statusCode).toBe(422);
    expect(response.body).toContain('That email and password do not match.');
  });
});

describe('POST /api/responses takes JSON only', () => {
  it.each([
    ['application/x-www-form-urlencoded', 'assessmentId=ai-native-maturity'],
    ['text/plain', '{"assessmentId":"ai-native-maturity"}'],
    ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="assessmentId"\r\n\r\nai-native-maturity\r\n--x--'],
  ])('%s gets 415 and creates nothing', async (type, payload) => {
    const response = await t.app.inject({ method: 'POST', url: '/api/responses', headers: { 'content-type': type }, payload, remoteAddress: '192.0.2.200' });
    expect(response.statusCode).toBe(415);
    expect(response.json().error.code).toBe('unsupported_media_type');
  });
});

describe('URLs the router cannot take', () => {
  const long = 'x'.repeat(1200);
  it.each([`/r/${long}`, `/j/${long}`, `/r/${'y'.repeat(120)}/start`])('a path segment that long gets the app’s 404 page with its headers (%#)', async (url) => {
    const response = await t.app.inject({ url });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toContain('text/html');
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.body).toContain('This page does not exist');
    expect(response.body).not.toContain('xxxxxxxxxx');
  });

  it('a malformed %-escape gets the app’s 400 page with its headers; under /api, JSON without the URL', async () => {
    const page = await t.app.inject({ url: '/r/%zz' });
    expect(page.statusCode).toBe(400);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toBeDefined();
    expect(page.body).not.toContain('%zz');
    const api = await t.app.inject({ url: `/api/responses/${long}` });
    expect(api.statusCode).toBe(404);
    expect(api.json().error.code).toBe('not_found');
    expect(api.body).not.toContain('xxxxxxxxxx');
  });
});
