/**
 * Anonymity: every rule that decides what a group's results may show, in one
 * pure module. Workshops use it today; organisations (teams, cells, parents
 * and siblings) reuse the same functions.
 *
 * The guarantee: no sequence of pages, polls or exports lets anyone compute one
 * person's answers, or a role's answers below the minimum.
 *
 * 1. **Who counts.** Only a respondent who rated at least one checkpoint counts
 *    toward a minimum (someone answering "not applicable" everywhere adds
 *    nothing to the group, so cannot make a smaller group look big enough).
 * 2. **Static thresholds.** A group's result needs `minimum` counted
 *    respondents (never below 3); a checkpoint needs `minimum` answers other
 *    than "not applicable"; a breakdown needs the minimum in every anonymous
 *    part shown; free text needs 10, except a note its author shared with the
 *    room (rule 8).
 * 3. **Steps, not drips.** What is shown is a *published* copy of the answers,
 *    per checkpoint and per anonymous series (one per role). A series moves
 *    only when at least `minimum` respondents changed their answer to that
 *    checkpoint since it last moved, so the difference between any two views
 *    is the work of at least `minimum` people.
 * 4. **On the record.** Respondents who consented to answer on the record
 *    (leaders, when the workshop asks them to) are their own series: no
 *    minimum, no steps. The anonymous series never include them.
 * 5. **Exports** carry one row per respondent, which differencing across two
 *    exports would expose, so they are given only for a closed workshop, from
 *    the published answers, under codes drawn afresh for each export; once
 *    exported a workshop cannot be reopened for more answers.
 * 6. **No sock puppets from the coach's own browser.** A signed-in coach
 *    cannot join a workshop they run.
 * 7. **Subtraction across groups.** `hiddenByDifference` says which of a
 *    family of shown groups must be hidden so no shown group minus others is
 *    a non-empty set below the minimum.
 * 8. **Notes are private unless shared.** A workshop participant may share an
 *    evidence note with the room, having been told a small room may still
 *    guess who wrote it; shared notes are shown without names, in the order of
 *    their text, once the group is shown. Unshared notes are shown to nobody
 *    and never exported.
 */

export const absoluteMinimum = 3;
export const defaultMinimum = 5;
export const freeTextMinimum = 10;

export type Visibility = { shown: true } | { shown: false; reason: 'below_threshold'; n: number; minimum: number };

/** The minimum actually applied: the configured one, never below the absolute floor. */
export function effectiveMinimum(minimum: number): number {
  return Math.max(Math.floor(Number.isFinite(minimum) ? minimum : defaultMinimum), absoluteMinimum);
}

/** A group's aggregate: shown for at least the minimum counted respondents. */
export function groupVisibility(n: number, minimum: number): Visibility {
  const floor = effectiveMinimum(minimum);
  return n >= floor ? { shown: true } : { shown: false, reason: 'below_threshold', n, minimum: floor };
}

/** One checkpoint's aggregate: `answered` counts ratings and "don't know" (not "not applicable"). */
export function checkpointVisibility(answered: number, minimum: number): Visibility {
  return groupVisibility(answered, minimum);
}

/**
 * A group (or one checkpoint of it) mixing answers on the record with
 * anonymous ones: the on-the-record answers are known, so they can be taken
 * away. Shown when the whole reaches the minimum *and* the anonymous part is
 * either empty or itself at the minimum.
 */
export function mixedVisibility(input: { onRecord: number; anonymous: number; minimum: number }): Visibility {
  const floor = effectiveMinimum(input.minimum);
  const total = input.onRecord + input.anonymous;
  if (total < floor) return { shown: false, reason: 'below_threshold', n: total, minimum: floor };
  if (input.anonymous > 0 && input.anonymous < floor) return { shown: false, reason: 'below_threshold', n: input.anonymous, minimum: floor };
  return { shown: true };
}

export interface BreakdownPart {
  n: number;
  /** Everyone in this part agreed to answer on the record: no minimum applies. */
  onRecord?: boolean;
}

/**
 * A breakdown (by role, by team) is shown only when every anonymous part
 * reaches the minimum: otherwise the small part is the total minus the others.
 * Parts on the record need one respondent. With one part there is nothing to break down.
 */
export function breakdownVisibility(parts: readonly BreakdownPart[], minimum: number): Visibility {
  if (parts.length < 2) return { shown: false, reason: 'below_threshold', n: 0, minimum: effectiveMinimum(minimum) };
  for (const part of parts) {
    if (part.onRecord) {
      if (part.n < 1) return { shown: false, reason: 'below_threshold', n: 0, minimum: 1 };
      continue;
    }
    const v = groupVisibility(part.n, minimum);
    if (!v.shown) return v;
  }
  return { shown: true };
}

/** Free-text notes: at least 10 respondents, and never fewer than the group's minimum. */
export function freeTextVisibility(n: number, minimum: number): Visibility {
  return groupVisibility(n, Math.max(effectiveMinimum(minimum), freeTextMinimum));
}

/**
 * Evidence notes in a workshop. A note is its author's own unless they chose to
 * share it with the room: an unshared note is never shown to anyone else, nor
 * exported, however large the group. A shared note is shown without a name,
 * once the group is shown (the whole at the minimum, its anonymous part too,
 * as for `mixedVisibility`), so a room of 6 sees what its people chose to share
 * while a room of 2 sees nothing.
 */
export function sharedNotesVisibility(input: { onRecord: number; anonymous: number; minimum: number }): Visibility {
  return mixedVisibility(input);
}

/**
 * The notes a room may read: only shared, non-empty ones, in the order of their
 * text, never the order they were written or their authors', so the last note in
 * the list does not point at whoever answered last.
 */
export function notesForTheRoom<T extends { note: string; shared: boolean }>(notes: readonly T[]): T[] {
  return notes
    .filter((n) => n.shared && n.note.trim() !== '')
    .sort((a, b) => (a.note < b.note ? -1 : a.note > b.note ? 1 : 0));
}

/** A respondent counts toward any minimum once they have rated at least one checkpoint. */
export function countsTowardMinimum(answers: Iterable<{ kind: string }>): boolean {
  for (const a of answers) if (a.kind === 'rating') return true;
  return false;
}

/**
 * The series a respondent's answers are published in: their own when on the
 * record, otherwise the one anonymous series of the workshop. (Anonymous roles
 * are not published apart: a role with fewer than the minimum could never be
 * counted, and two series that move at different times can be subtracted.)
 */
export type Series = string;
export const onRecordSeries = 'on_record';
export const anonymousSeries = 'anonymous';

export function seriesOf(onRecord: boolean): Series {
  return onRecord ? onRecordSeries : anonymousSeries;
}

/**
 * The leader / team comparison: only when leaders answer on the record (then one
 * leader is enough and the anonymous team needs the minimum). Without it leaders
 * and team are one anonymous group, never split.
 */
export function roleComparisonVisibility(input: { leadersOnRecord: boolean; leaders: number; team: number; minimum: number }): Visibility {
  if (!input.leadersOnRecord) return { shown: false, reason: 'below_threshold', n: 0, minimum: effectiveMinimum(input.minimum) };
  return breakdownVisibility([{ n: input.leaders, onRecord: true }, { n: input.team }], input.minimum);
}

export interface PendingChange {
  checkpointId: string;
  series: Series;
  /** Respondents whose current answer differs from the published one (new, changed or withdrawn). */
  changed: number;
}

/**
 * Which (checkpoint, series) pairs may move now: those where at least the
 * minimum of respondents changed since the last publication. On-the-record
 * answers are read as they are and never wait.
 */
export function publishable(pending: readonly PendingChange[], minimum: number): PendingChange[] {
  const floor = effectiveMinimum(minimum);
  return pending.filter((p) => p.series !== onRecordSeries && p.changed >= floor);
}

/** What is waiting: the largest number of people whose answers are not yet in the results, and what it takes. */
export function pendingSummary(pending: readonly PendingChange[], minimum: number) {
  const waiting = pending.filter((p) => p.series !== onRecordSeries).reduce((m, p) => Math.max(m, p.changed), 0);
  return { waiting, minimum: effectiveMinimum(minimum) };
}

export type Refusal = { allowed: true } | { allowed: false; reason: string };

/** Row exports: only of a closed workshop whose group is shown. */
export function exportPermission(input: { status: 'open' | 'closed'; counted: number; minimum: number }): Refusal {
  const group = groupVisibility(input.counted, input.minimum);
  if (!group.shown) {
    return {
      allowed: false,
      reason: `Export is available once ${group.minimum} people have answered (now ${group.n}), so nobody’s answers can be singled out.`,
    };
  }
  if (input.status !== 'closed') {
    return {
      allowed: false,
      reason: 'Export is available once the workshop is closed: two exports taken while people still answer would show what changed, person by person.',
    };
  }
  return { allowed: true };
}

/** Reopening for answers: refused once answers have been exported (a second export would show the newcomers). */
export function reopenPermission(input: { exported: boolean }): Refusal {
  return input.exported
    ? {
        allowed: false,
        reason: 'Its answers have been exported, so it stays closed: more answers and a second export would show who answered late. Start a new workshop for another round.',
      }
    : { allowed: true };
}

/** Joining: refused to the coach who runs the workshop (their own answers could be subtracted from the group's). */
export function joinPermission(input: { signedInUserId: string | null; ownerId: string }): Refusal {
  return input.signedInUserId !== null && input.signedInUserId === input.ownerId
    ? {
        allowed: false,
        reason: 'You run this workshop, so you cannot answer in it: your own answers could be taken away from the group’s to reveal someone else’s.',
      }
    : { allowed: true };
}

export interface Group {
  id: string;
  /** Respondent ids (or any stable member keys). */
  members: readonly string[];
}

/**
 * Given groups and which of them would be shown on their own (at least the
 * minimum), return the ids that must also be hidden so that no shown group,
 * minus a shown subset or minus a set of disjoint shown subsets, leaves a
 * non-empty remainder below the minimum. Hides the smallest offending subset
 * first and repeats until nothing is revealed. Works on member sets, so it
 * covers parent/child, siblings and overlapping cells alike.
 */
export function hiddenByDifference(groups: readonly Group[], minimum: number): Set<string> {
  const floor = effectiveMinimum(minimum);
  const sets = new Map(groups.map((g) => [g.id, new Set(g.members)]));
  const hidden = new Set(groups.filter((g) => sets.get(g.id)!.size < floor).map((g) => g.id));
  const isSubset = (a: Set<string>, b: Set<string>) => a.size <= b.size && [...a].every((m) => b.has(m));
  const reveals = (remainder: number) => remainder > 0 && remainder < floor;

  for (;;) {
    const shown = groups.filter((g) => !hidden.has(g.id));
    let victim: string | undefined;
    for (const parent of shown) {
      const whole = sets.get(parent.id)!;
      const subsets = shown
        .filter((g) => g.id !== parent.id && isSubset(sets.get(g.id)!, whole) && sets.get(g.id)!.size < whole.size)
        .sort((a, b) => sets.get(a.id)!.size - sets.get(b.id)!.size || a.id.localeCompare(b.id));
      // parent minus one shown subset
      const single = subsets.find((s) => reveals(whole.size - sets.get(s.id)!.size));
      if (single) {
        victim = single.id;
        break;
      }
      // parent minus a union of disjoint shown subsets (greedy, largest first)
      const union = new Set<string>();
      const used: string[] = [];
      for (const s of [...subsets].reverse()) {
        const members = sets.get(s.id)!;
        if ([...members].some((m) => union.has(m))) continue;
        for (const m of members) union.add(m);
        used.push(s.id);
        if (used.length >= 2 && reveals(whole.size - union.size)) {
          victim = [...used].sort((a, b) => sets.get(a)!.size - sets.get(b)!.size || a.localeCompare(b))[0];
          break;
        }
      }
      if (victim) break;
    }
    if (!victim) return hidden;
    hidden.add(victim);
  }
}

/** The message for a result below the threshold. */
export function belowThresholdMessage(v: Visibility): string | undefined {
  return v.shown ? undefined : `Shown from ${v.minimum} respondents (now ${v.n}).`;
}

/** A team in a tree of results: its own id, its parent's (null at the top) and how many people its row pools. */
export interface TreeGroup {
  id: string;
  parentId: string | null;
  /** Counted respondents in the team's whole subtree (its row pools them). */
  n: number;
}

/**
 * Which rows of a team tree to withhold, working on counts alone (so a heatmap
 * of hundreds of teams decides in microseconds):
 *
 * - a row below the minimum is hidden;
 * - for every shown row, the people it pools less everyone in the shown rows
 *   directly beneath it (its nearest shown descendants, which never overlap)
 *   must be none or at least the minimum; otherwise that remainder — the team's
 *   own respondents plus its hidden sub-teams — could be worked out by
 *   subtraction. The smallest of those shown rows is hidden too, and the check
 *   runs again until nothing is revealed. A child whose parent minus it leaves
 *   1 to minimum − 1 people is the one-child case; siblings hidden together
 *   because their sum would be revealed is the many-children case.
 *
 * Subtracting any subset of those nearest shown rows leaves at least the full
 * remainder, or a sum of shown rows (each at least the minimum), so checking
 * the full remainder covers every subset.
 */
export function hiddenInTree(groups: readonly TreeGroup[], minimum: number): Set<string> {
  const floor = effectiveMinimum(minimum);
  const byId = new Map(groups.map((g) => [g.id, g]));
  const children = new Map<string, TreeGroup[]>();
  for (const g of groups) {
    if (g.parentId !== null && byId.has(g.parentId)) children.set(g.parentId, [...(children.get(g.parentId) ?? []), g]);
  }
  const hidden = new Set(groups.filter((g) => g.n < floor).map((g) => g.id));
  /** The shown rows directly beneath `id`: shown children, or the nearest shown rows below hidden ones. */
  const nearestShown = (id: string): TreeGroup[] =>
    (children.get(id) ?? []).flatMap((child) => (hidden.has(child.id) ? nearestShown(child.id) : [child]));

  for (;;) {
    let victim: TreeGroup | undefined;
    for (const group of groups) {
      if (hidden.has(group.id)) continue;
      const beneath = nearestShown(group.id);
      if (beneath.length === 0) continue;
      const remainder = group.n - beneath.reduce((sum, g) => sum + g.n, 0);
      if (remainder > 0 && remainder < floor) {
        victim = [...beneath].sort((a, b) => a.n - b.n || a.id.localeCompare(b.id))[0];
        break;
      }
    }
    if (!victim) return hidden;
    hidden.add(victim.id);
  }
}
