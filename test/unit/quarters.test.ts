import { describe, expect, it } from 'vitest';
import { dueQuarterProblem, quarterOf, upcomingQuarters } from '../../server/domain/quarters.js';

const now = new Date('2026-11-30T12:00:00Z');

describe('due quarters', () => {
  it.each([
    ['2026-Q4', true],
    ['2025-Q1', true], // last year: an action recorded late
    ['2031-Q4', true], // five years ahead
    ['2032-Q1', false],
    ['2024-Q4', false],
    ['9999-Q4', false],
    ['0000-Q1', false],
    ['2026-Q5', false],
    ['2026Q4', false],
    ['', false],
  ])('%s accepted: %s', (quarter, accepted) => {
    const problem = dueQuarterProblem(quarter, now);
    expect(problem === undefined).toBe(accepted);
    if (problem) expect(problem).toBe('Choose a quarter from 2025 to 2031, such as 2026-Q4.');
  });

  it('offers this quarter and the next four, across the year end', () => {
    expect(quarterOf(now)).toBe('2026-Q4');
    expect(upcomingQuarters(now)).toEqual(['2026-Q4', '2027-Q1', '2027-Q2', '2027-Q3', '2027-Q4']);
  });
});
