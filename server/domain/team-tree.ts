/**
 * Teams in a tree: paths, branches, moves without cycles, and the order a page
 * lists them in. Pure. A path is the ids from the root down to the team itself,
 * joined by "/"; a response keeps the path its team had when it was given, so
 * later renames and moves never rewrite history.
 */

export interface TeamNode {
  id: string;
  parentId: string | null;
  name: string;
  archived: boolean;
}

export const pathSeparator = '/';

/** Ids from the root to `teamId` (inclusive). A broken parent link ends the walk. */
export function pathIds(teams: ReadonlyMap<string, TeamNode>, teamId: string): string[] {
  const ids: string[] = [];
  const seen = new Set<string>();
  let current = teams.get(teamId);
  while (current && !seen.has(current.id)) {
    seen.add(current.id);
    ids.unshift(current.id);
    current = current.parentId ? teams.get(current.parentId) : undefined;
  }
  return ids;
}

export function teamPath(teams: ReadonlyMap<string, TeamNode>, teamId: string): string {
  return pathIds(teams, teamId).join(pathSeparator);
}

export function teamPathLabel(teams: ReadonlyMap<string, TeamNode>, teamId: string): string {
  return pathIds(teams, teamId)
    .map((id) => teams.get(id)?.name ?? '')
    .join(' / ');
}

/** The ids on a stored path. */
export function idsOnPath(path: string): string[] {
  return path === '' ? [] : path.split(pathSeparator);
}

/** A path lies in the branch of `branchTeamId` when that team is on it (the team itself or an ancestor). */
export function pathInBranch(path: string, branchTeamId: string): boolean {
  return idsOnPath(path).includes(branchTeamId);
}

/** Moving `teamId` under `newParentId` would make it its own ancestor. */
export function wouldCycle(teams: ReadonlyMap<string, TeamNode>, teamId: string, newParentId: string | null): boolean {
  if (newParentId === null) return false;
  return pathIds(teams, newParentId).includes(teamId);
}

export interface TreeRow {
  team: TeamNode;
  depth: number;
  path: string;
}

/** Every team, parents before children, siblings by name: the order a tree is read in. */
export function treeOrder(teams: ReadonlyMap<string, TeamNode>): TreeRow[] {
  const children = new Map<string | null, TeamNode[]>();
  for (const team of teams.values()) {
    const parent = team.parentId !== null && teams.has(team.parentId) ? team.parentId : null;
    children.set(parent, [...(children.get(parent) ?? []), team]);
  }
  for (const list of children.values()) list.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  const rows: TreeRow[] = [];
  const visit = (parent: string | null, depth: number, prefix: string) => {
    for (const team of children.get(parent) ?? []) {
      const path = prefix === '' ? team.id : `${prefix}${pathSeparator}${team.id}`;
      rows.push({ team, depth, path });
      visit(team.id, depth + 1, path);
    }
  };
  visit(null, 0, '');
  return rows;
}
