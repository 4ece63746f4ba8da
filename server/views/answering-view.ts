import { choiceOfAnswer, choiceOfOutcomeAnswer, type Answer } from '../domain/answers.js';
import { phaseQuestions, type Definition, type PlacedQuestion } from '../domain/definition.js';
import { effectiveMinimum } from '../domain/anonymity.js';
import { maxEvidenceLength, answerField, evidenceField, shareField, type AnswerForm } from '../routes/self-assessment/answer-form.js';

/** View models of the leader's answering pages: progress, and one question with its options. */

const base = (token: string) => `/r/${token}`;

export function progressOf(definition: Definition, answers: ReadonlyMap<string, Answer>, token: string, currentStep: string) {
  return definition.phases.map((phase, index) => {
    const questions = phaseQuestions(phase, index);
    const answered = questions.filter((c) => answers.has(c.id)).length;
    return {
      id: phase.id,
      number: index + 1,
      title: phase.title,
      answered,
      total: questions.length,
      complete: answered === questions.length,
      current: currentStep === phase.id,
      href: `${base(token)}/phases/${phase.id}`,
    };
  });
}

function optionsOf(definition: Definition, question: PlacedQuestion) {
  if (question.part === 'outcomes') {
    const scale = definition.outcomeScale!;
    return [
      { value: 'worse', ...scale.worse, kind: 'trend' },
      { value: 'flat', ...scale.flat, kind: 'trend' },
      { value: 'better', ...scale.better, kind: 'trend' },
      { value: 'notmeasured', ...scale.notMeasured, kind: 'dont-know' },
    ];
  }
  return [
    ...definition.scale.points.map((p) => ({ value: String(p.value), label: p.label, description: p.description, kind: 'rating' })),
    { value: 'dontknow', ...definition.scale.dontKnow, kind: 'dont-know' },
    { value: 'na', ...definition.scale.notApplicable, kind: 'not-applicable' },
  ];
}

export function questionView(
  definition: Definition,
  question: PlacedQuestion,
  number: number,
  token: string,
  saved: { answer?: Answer; note?: string; shared?: boolean; revisions?: { answer: number; note: number } },
  form?: AnswerForm,
  /** For a workshop participant: notes may be shared with the room, shown there from this minimum. */
  room?: { minimum: number },
) {
  const savedChoice = saved.answer
    ? question.part === 'outcomes'
      ? choiceOfOutcomeAnswer(saved.answer)
      : choiceOfAnswer(saved.answer)
    : undefined;
  const chosen = form?.values.get(answerField(question.id)) ?? savedChoice;
  const note = form?.values.get(evidenceField(question.id)) ?? saved.note ?? '';
  const sentShare = form?.values.get(shareField(question.id));
  const shared = sentShare === undefined ? saved.shared === true : sentShare === 'on';
  return {
    id: question.id,
    number,
    statement: question.statement,
    owner: question.owner,
    withoutThis: question.withoutThis,
    isOutcome: question.part === 'outcomes',
    guidance:
      question.part === 'outcomes'
        ? { inPlace: question.guidance.measure, firstStep: question.guidance.firstStep }
        : question.guidance,
    evidencePrompt:
      question.evidencePrompt ??
      (question.part === 'outcomes' ? 'Where does this figure come from, and what did it show?' : 'What would show this is (or is not) in place?'),
    answerName: answerField(question.id),
    evidenceName: evidenceField(question.id),
    note,
    noteOpen: note !== '',
    share: room ? { name: shareField(question.id), checked: shared, minimum: effectiveMinimum(room.minimum) } : undefined,
    answerRevision: saved.revisions?.answer ?? 0,
    noteRevision: saved.revisions?.note ?? 0,
    maxEvidenceLength,
    answered: chosen !== undefined,
    error: form?.errors.get(question.id),
    saveUrl: `${base(token)}/checkpoints/${question.id}`,
    options: optionsOf(definition, question).map((o) => ({
      ...o,
      checked: chosen === o.value,
      inputId: `cp-${question.id}-${o.value}`,
    })),
  };
}
