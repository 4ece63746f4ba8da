import type { PublishedRow } from '../data/workshops.js';
import { mixedVisibility } from '../domain/anonymity.js';
import { allCheckpoints, type Definition } from '../domain/definition.js';

/**
 * The rows of a workshop export: one per person and checkpoint, from the
 * published answers, under codes drawn for this export only and in a shuffled
 * order (so neither the code nor the position follows anyone from one file to
 * the next, or says when they joined). A checkpoint hidden in the views
 * (anonymity.ts: mixedVisibility) is left out; the role column is filled only
 * when the leader / team comparison is shown.
 */
export function exportRowsView(
  definition: Definition,
  published: readonly PublishedRow[],
  options: { minimum: number; rolesShown: boolean; newCode: () => string; random?: () => number },
) {
  const placed = new Map(allCheckpoints(definition).map((c) => [c.id, c]));
  const substantive = new Map<string, { onRecord: number; anonymous: number }>();
  for (const r of published) {
    if (r.answer.kind === 'not_applicable') continue;
    const counts = substantive.get(r.checkpointId) ?? { onRecord: 0, anonymous: 0 };
    if (r.onRecord) counts.onRecord += 1;
    else counts.anonymous += 1;
    substantive.set(r.checkpointId, counts);
  }
  const shown = (id: string) =>
    placed.has(id) && mixedVisibility({ ...(substantive.get(id) ?? { onRecord: 0, anonymous: 0 }), minimum: options.minimum }).shown;
  const random = options.random ?? Math.random;
  const people = [...new Set(published.map((r) => r.responseId))];
  const code = new Map(people.map((id) => [id, options.newCode()]));
  const order = new Map(people.map((id) => [id, random()]));
  return published
    .filter((r) => shown(r.checkpointId))
    .sort((a, b) => order.get(a.responseId)! - order.get(b.responseId)! || a.checkpointId.localeCompare(b.checkpointId))
    .map((r) => {
      const c = placed.get(r.checkpointId)!;
      return {
        participant: code.get(r.responseId)!,
        role: options.rolesShown ? r.role : null,
        onRecord: options.rolesShown ? r.onRecord : null,
        checkpoint: r.checkpointId,
        phase: c.phaseIndex + 1,
        part: c.part,
        level: c.level ?? null,
        statement: c.statement,
        answer: r.answer.kind === 'rating' ? r.answer.value : r.answer.kind === 'dont_know' ? ('dontknow' as const) : ('na' as const),
      };
    });
}
