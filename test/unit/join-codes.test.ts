import { describe, expect, it } from 'vitest';
import {
  displayJoinCode,
  joinCodeAlphabet,
  joinCodeLength,
  newJoinCode,
  normaliseJoinCode,
} from '../../server/join-codes.js';

describe('join codes', () => {
  it('carry at least 40 bits and avoid look-alike characters', () => {
    expect(joinCodeLength * Math.log2(joinCodeAlphabet.length)).toBeGreaterThanOrEqual(40);
    for (const ch of 'ILOU01') expect(joinCodeAlphabet).not.toContain(ch);
    const codes = new Set(Array.from({ length: 1000 }, () => newJoinCode()));
    expect(codes.size).toBe(1000);
    for (const code of codes) expect(normaliseJoinCode(code)).toBe(code);
  });

  it.each([
    ['abcde-fghjk', 'ABCDEFGHJK'],
    [' ABCDE FGHJK ', 'ABCDEFGHJK'],
    ['ABCDEFGHJ', undefined], // too short
    ['ABCDEFGHJI', undefined], // I is not in the alphabet
    ['ABCDE/FGHJK', undefined],
  ])('reads %j as %j', (typed, expected) => {
    expect(normaliseJoinCode(typed)).toBe(expected);
  });

  it('is shown in two groups of five', () => {
    expect(displayJoinCode('ABCDEFGHJK')).toBe('ABCDE-FGHJK');
  });
});
