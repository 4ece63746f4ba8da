import { idsOnPath } from './team-tree.js';

/**
 * What a round's anonymous answer export may say about where an answer came
 * from: the deepest team on its frozen path whose results are shown (never a
 * team below the minimum or one withheld by subtraction); answers with no such
 * team are left out. Pure.
 */
export function exportedTeamOf(teamPath: string, withheld: ReadonlySet<string>, known: ReadonlySet<string>): string | undefined {
  const ids = idsOnPath(teamPath);
  for (let i = ids.length - 1; i >= 0; i--) {
    const id = ids[i]!;
    if (known.has(id) && !withheld.has(id)) return id;
  }
  return undefined;
}

/** The answer as the export writes it: the rating, "dontknow" or "na". */
export function exportedAnswer(answer: { kind: string; value?: number }): string {
  if (answer.kind === 'rating') return String(answer.value);
  return answer.kind === 'dont_know' ? 'dontknow' : 'na';
}
