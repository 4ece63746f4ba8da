import type { StoredResult } from '../../data/rounds.js';
import { hiddenInTree } from '../../domain/anonymity.js';
import { idsOnPath } from '../../domain/team-tree.js';

/**
 * The teams of a closed round whose results are withheld: below the round's
 * minimum, or revealing a smaller group by subtraction in the tree (the rules
 * live in the anonymity module). Parents come from the paths frozen on the
 * responses, so a later re-org never changes what a past round shows.
 */
export function withheldTeams(rows: readonly Pick<StoredResult, 'teamId' | 'teamPath' | 'respondents'>[], minimum: number): Set<string> {
  return hiddenInTree(
    rows.map((r) => ({ id: r.teamId, parentId: idsOnPath(r.teamPath).at(-2) ?? null, n: r.respondents })),
    minimum,
  );
}
