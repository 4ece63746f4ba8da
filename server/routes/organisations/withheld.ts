import type { StoredResult } from '../../data/rounds.js';

/**
 * The teams of a closed round whose results are withheld: decided when the
 * results were computed (below the round's minimum, or revealing a smaller
 * group by subtraction in the tree: `hiddenInTree` in the anonymity module),
 * from the paths frozen on the responses, so a later re-org never changes what
 * a past round shows.
 */
export function withheldTeams(rows: readonly Pick<StoredResult, 'teamId' | 'withheld'>[]): Set<string> {
  return new Set(rows.filter((r) => r.withheld).map((r) => r.teamId));
}
