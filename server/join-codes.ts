import { randomInt } from 'node:crypto';

/**
 * Join codes people type from a projector: 10 characters from an alphabet
 * without look-alikes (no I, L, O, U, 0, 1): 30^10 ≈ 2^49 codes. Shown as
 * "ABCDE-FGHJK"; typed in any case, with or without the dash or spaces.
 */
export const joinCodeAlphabet = 'ABCDEFGHJKMNPQRSTVWXYZ23456789';
export const joinCodeLength = 10;

function randomString(length: number): string {
  let code = '';
  for (let i = 0; i < length; i++) code += joinCodeAlphabet[randomInt(joinCodeAlphabet.length)];
  return code;
}

export function newJoinCode(): string {
  return randomString(joinCodeLength);
}

/** The canonical form of what someone typed, or undefined when it cannot be a join code. */
export function normaliseJoinCode(typed: string): string | undefined {
  const code = typed.toUpperCase().replace(/[\s-]/g, '');
  if (code.length !== joinCodeLength) return undefined;
  for (const ch of code) if (!joinCodeAlphabet.includes(ch)) return undefined;
  return code;
}

export function displayJoinCode(code: string): string {
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

/** A participant's id in anonymous exports: random, unrelated to the private token. */
export function newParticipantCode(): string {
  return `P-${randomString(8)}`;
}
