import type { StoredResult } from '../../data/rounds.js';

/** The teams of a closed round whose results are withheld: fewer respondents than the round's minimum. */
export function withheldTeams(rows: readonly Pick<StoredResult, 'teamId' | 'teamPath' | 'respondents'>[], minimum: number): Set<string> {
  return new Set(rows.filter((r) => r.respondents < minimum).map((r) => r.teamId));
}
