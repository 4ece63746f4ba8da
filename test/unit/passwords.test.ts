import { describe, expect, it } from 'vitest';
import { hashPassword, verifyAgainstDummy, verifyPassword } from '../../server/accounts/passwords.js';

const password = 'correct horse battery staple';

describe('password hashing', () => {
  it('describes itself: scrypt, N, r, p, a 16-byte salt and a 64-byte key', async () => {
    const stored = await hashPassword(password);
    const [kdf, n, r, p, salt, key] = stored.split('$');
    expect([kdf, n, r, p]).toEqual(['scrypt', String(2 ** 15), '8', '1']);
    expect(Buffer.from(salt!, 'base64')).toHaveLength(16);
    expect(Buffer.from(key!, 'base64')).toHaveLength(64);
  });

  it('verifies the password it was made from', async () => {
    expect(await verifyPassword(password, await hashPassword(password))).toBe(true);
  });

  it('refuses a wrong password, including one that differs only in case or a trailing space', async () => {
    const stored = await hashPassword(password);
    for (const wrong of ['correct horse battery stapl', 'Correct horse battery staple', `${password} `, '']) {
      expect(await verifyPassword(wrong, stored)).toBe(false);
    }
  });

  it('accepts the same password typed in another Unicode form', async () => {
    const composed = 'café crème brûlée'.normalize('NFC');
    expect(await verifyPassword(composed.normalize('NFD'), await hashPassword(composed))).toBe(true);
  });

  it('salts every hash: the same password twice gives two different strings', async () => {
    const [a, b] = await Promise.all([hashPassword(password), hashPassword(password)]);
    expect(a).not.toBe(b);
    expect(await verifyPassword(password, a)).toBe(true);
    expect(await verifyPassword(password, b)).toBe(true);
  });

  it.each([
    ['a flipped key byte', (s: string) => s.replace(/\$([A-Za-z0-9+/])([^$]*)$/, (_m, c: string, rest: string) => `$${c === 'A' ? 'B' : 'A'}${rest}`)],
    ['another salt', (s: string) => s.replace(/^((?:[^$]*\$){4})[^$]*/, `$1${Buffer.alloc(16, 7).toString('base64')}`)],
    ['a lower cost', (s: string) => s.replace('$32768$', '$16384$')],
    ['a cost that is not a power of two', (s: string) => s.replace('$32768$', '$30000$')],
    ['a cost far too high to compute', (s: string) => s.replace('$32768$', `$${2 ** 30}$`)],
    ['another algorithm', (s: string) => s.replace(/^scrypt/, 'bcrypt')],
    ['a missing part', (s: string) => s.split('$').slice(0, 5).join('$')],
    ['a truncated key', (s: string) => s.slice(0, -20)],
    ['not base64', (s: string) => `${s.slice(0, -4)}!!!!`],
    ['an empty string', () => ''],
  ])('a tampered string (%s) never verifies', async (_case, tamper) => {
    const stored = await hashPassword(password);
    const tampered = tamper(stored);
    expect(tampered).not.toBe(stored);
    expect(await verifyPassword(password, tampered)).toBe(false);
  });

  it('the dummy check for unknown emails answers false and costs about as much as a real one', async () => {
    const stored = await hashPassword(password);
    // The fastest of three runs each: less noise from whatever else the machine is doing.
    const fastest = async (fn: () => Promise<unknown>) => {
      const times: number[] = [];
      for (let i = 0; i < 3; i++) {
        const start = performance.now();
        await fn();
        times.push(performance.now() - start);
      }
      return Math.min(...times);
    };
    expect(await verifyAgainstDummy(password)).toBe(false);
    const real = await fastest(() => verifyPassword(password, stored));
    const dummy = await fastest(() => verifyAgainstDummy(password));
    expect(dummy).toBeGreaterThan(real / 2);
    expect(dummy).toBeLessThan(real * 2);
  });
});
