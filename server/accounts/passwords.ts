import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password hashing with scrypt (memory-hard), stored as a self-describing string
 *
 *   scrypt$<N>$<r>$<p>$<salt base64>$<hash base64>
 *
 * so the cost can be raised later: old hashes keep verifying with the parameters they carry.
 */

const scrypt = (password: string, salt: Buffer, keyLength: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCallback(password, salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key))),
  );

const current = { N: 2 ** 15, r: 8, p: 1 } as const;
const saltLength = 16;
const keyLength = 64;

/** scrypt needs about 128·N·r bytes; Node's default ceiling (32 MiB) is too low for N=2^15, r=8. */
const memoryOf = (N: number, r: number) => 128 * N * r;
const maxmemFor = (N: number, r: number) => memoryOf(N, r) * 2;
// What a stored string may ask for: a tampered row must not make one verification take gigabytes.
const limits = { maxMemory: 256 * 1024 * 1024, maxP: 4 } as const;

/** Passwords are compared as typed, whatever the keyboard's Unicode form. */
const normalise = (password: string) => password.normalize('NFKC');

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(saltLength);
  const { N, r, p } = current;
  const key = await scrypt(normalise(password), salt, keyLength, { N, r, p, maxmem: maxmemFor(N, r) });
  return ['scrypt', N, r, p, salt.toString('base64'), key.toString('base64')].join('$');
}

interface StoredHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

const positiveInteger = /^[1-9][0-9]{0,9}$/;

/** Canonical base64 only: lenient decoding would let a truncated key verify against its own prefix. */
function decodeBase64(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64');
  return bytes.length > 0 && bytes.toString('base64') === text ? bytes : undefined;
}

function parseStoredHash(stored: string): StoredHash | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [, n, r, p, saltText, keyText] = parts as [string, string, string, string, string, string];
  if (![n, r, p].every((v) => positiveInteger.test(v))) return undefined;
  const [N, R, P] = [Number(n), Number(r), Number(p)];
  const isPowerOfTwo = N > 1 && (N & (N - 1)) === 0;
  if (!isPowerOfTwo || memoryOf(N, R) > limits.maxMemory || P > limits.maxP) return undefined;
  const salt = decodeBase64(saltText);
  const key = decodeBase64(keyText);
  // Exactly the sizes hashPassword writes: a shorter key would match as a prefix of the real one.
  if (salt?.length !== saltLength || key?.length !== keyLength) return undefined;
  return { N, r: R, p: P, salt, key };
}

/** True when `password` produced `stored`. A malformed or tampered string never verifies. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const hash = parseStoredHash(stored);
  if (!hash) return false;
  const { N, r, p, salt, key } = hash;
  const candidate = await scrypt(normalise(password), salt, keyLength, { N, r, p, maxmem: maxmemFor(N, r) });
  return timingSafeEqual(candidate, key);
}

/**
 * A well-formed stored hash with today's parameters that no password matches (its key is random
 * bytes, not a derived key), so checking it costs exactly what a real verification costs.
 */
const dummyHash = ['scrypt', current.N, current.r, current.p, randomBytes(saltLength).toString('base64'), randomBytes(keyLength).toString('base64')].join('$');

/**
 * Spend the time of a real verification and answer false: used when no account has the email,
 * so response times do not reveal which emails have accounts.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  await verifyPassword(password, dummyHash);
  return false;
}
