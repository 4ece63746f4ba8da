import type { Answer } from './answers.js';
import { toCsv } from './csv.js';
import { allQuestions, type Definition, type PlacedQuestion } from './definition.js';
import { trendOfRating } from './answers.js';

/** One row per checkpoint, in the definition's order; unanswered rows are kept (blank answer). */
export function responseCsv(
  definition: Definition,
  answers: ReadonlyMap<string, Answer>,
  notes: ReadonlyMap<string, string>,
): string {
  const label = (question: PlacedQuestion, answer: Answer | undefined): string => {
    if (!answer) return '';
    if (question.part === 'outcomes') {
      const scale = definition.outcomeScale!;
      if (answer.kind === 'dont_know') return scale.notMeasured.label;
      const trend = answer.kind === 'rating' ? trendOfRating(answer.value) : undefined;
      return trend ? scale[trend].label : '';
    }
    if (answer.kind === 'not_applicable') return definition.scale.notApplicable.label;
    if (answer.kind === 'dont_know') return definition.scale.dontKnow.label;
    return definition.scale.points.find((p) => p.value === answer.value)?.label ?? '';
  };
  const rows = allQuestions(definition).map((c) => {
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
      label(c, answer),
      notes.get(c.id) ?? '',
    ];
  });
  return toCsv(
    ['assessment', 'version', 'phase_number', 'phase', 'part', 'level', 'checkpoint', 'statement', 'answer_kind', 'value', 'answer_label', 'evidence'],
    rows,
  );
}
