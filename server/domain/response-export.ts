import type { Answer } from './answers.js';
import { toCsv } from './csv.js';
import { allCheckpoints, type Definition } from './definition.js';

/** One row per checkpoint, in the definition's order; unanswered rows are kept (blank answer). */
export function responseCsv(
  definition: Definition,
  answers: ReadonlyMap<string, Answer>,
  notes: ReadonlyMap<string, string>,
): string {
  const label = (answer: Answer | undefined): string => {
    if (!answer) return '';
    if (answer.kind === 'not_applicable') return definition.scale.notApplicable.label;
    if (answer.kind === 'dont_know') return definition.scale.dontKnow.label;
    return definition.scale.points.find((p) => p.value === answer.value)?.label ?? '';
  };
  const rows = allCheckpoints(definition).map((c) => {
    const answer = answers.get(c.id);
    return [
      definition.id,
      definition.version,
      c.phaseIndex + 1,
      c.phaseId,
      c.part,
      c.level ?? '',
      c.id,
      c.statement,
      answer?.kind ?? 'unanswered',
      answer?.kind === 'rating' ? answer.value : null,
      label(answer),
      notes.get(c.id) ?? '',
    ];
  });
  return toCsv(
    ['assessment', 'version', 'phase_number', 'phase', 'part', 'level', 'checkpoint', 'statement', 'answer_kind', 'value', 'answer_label', 'evidence'],
    rows,
  );
}
