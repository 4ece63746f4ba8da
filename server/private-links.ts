import { createHash, createHmac, randomBytes } from 'node:crypto';

/**
 * A private link's token: 32 random bytes (256 bits) as base64url. Only its
 * sha256 is stored, so the database alone cannot open anyone's results.
 */
export function newPrivateToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashPrivateToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

const tokenShape = /^[A-Za-z0-9_-]{43}$/;

export function isWellFormedToken(token: string): boolean {
  return tokenShape.test(token);
}

/**
 * The token for a response created with an Idempotency-Key: derived from the
 * key with a server secret, so a retried request gets the same private link
 * back while the database still holds only the token's hash.
 */
export function privateTokenForKey(secret: string, idempotencyKey: string): string {
  return createHmac('sha256', secret).update(`response:${idempotencyKey}`).digest('base64url');
}

/** Idempotency keys are stored hashed too: with the key, a retry gets the private token back. */
export function hashIdempotencyKey(key: string): string {
  return createHash('sha256').update(`idempotency:${key}`).digest('hex');
}

/**
 * The token for a participant joining from one rendering of the join form:
 * derived from the form's random nonce with a server secret, so a double-click
 * or a retried post lands on the same response.
 */
export function privateTokenForJoin(secret: string, workshopId: string, nonce: string): string {
  return createHmac('sha256', secret).update(`join:${workshopId}:${nonce}`).digest('base64url');
}

/** A join form's nonce: 128 random bits. */
export function newJoinNonce(): string {
  return randomBytes(16).toString('base64url');
}

export const joinNonceShape = /^[A-Za-z0-9_-]{22}$/;
