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

describe('the client network a wrong-code limit counts against', async () => {
  const { clientNetwork } = await import('../../server/routes/workshops/join.js');
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '::ffff:203.0.113.7'],
    ['2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:0DB8:0001:0002:0:0:0:9', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
  ])('%s counts as %s', (ip, network) => {
    expect(clientNetwork(ip)).toBe(network);
  });
});
