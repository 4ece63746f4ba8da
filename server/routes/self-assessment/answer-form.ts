import { answerFromChoice, isOnScale, outcomeAnswerFromChoice, type Answer } from '../../domain/answers.js';
import type { Definition, PlacedQuestion } from '../../domain/definition.js';

/**
 * Reading answers from a form body. The phase form (no JavaScript) posts every
 * checkpoint of a phase; an htmx autosave posts one. Both use the same names:
 * `answer:<checkpoint id>` and `evidence:<checkpoint id>`.
 */
export const answerField = (checkpointId: string) => `answer:${checkpointId}`;
export const evidenceField = (checkpointId: string) => `evidence:${checkpointId}`;
/** A checkbox sent with its note: the note is shared with the workshop's room (absent: private). */
export const shareField = (checkpointId: string) => `share:${checkpointId}`;

export const maxEvidenceLength = 2000;

export interface AnswerForm {
  answers: Map<string, Answer>;
  notes: Map<string, string>;
  /** The checkpoints whose note is sent as shared with the room (read only beside a note). */
  shared: Set<string>;
  /** Per checkpoint id: what is wrong with what was sent. */
  errors: Map<string, string>;
  /** What the user sent, per field name, to re-render the form unchanged. */
  values: Map<string, string>;
}

function field(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (Array.isArray(value)) return typeof value.at(-1) === 'string' ? (value.at(-1) as string) : undefined;
  return typeof value === 'string' ? value : undefined;
}

export function readAnswerForm(
  definition: Definition,
  checkpoints: readonly PlacedQuestion[],
  body: unknown,
): AnswerForm {
  const form: AnswerForm = { answers: new Map(), notes: new Map(), shared: new Set(), errors: new Map(), values: new Map() };
  const fields = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  for (const checkpoint of checkpoints) {
    const choice = field(fields, answerField(checkpoint.id));
    if (choice !== undefined && choice !== '') {
      form.values.set(answerField(checkpoint.id), choice);
      const answer = parseAnswer(definition, checkpoint, choice);
      if (answer) form.answers.set(checkpoint.id, answer);
      else form.errors.set(checkpoint.id, 'Choose one of the options listed.');
    }
    const raw = field(fields, evidenceField(checkpoint.id));
    if (raw !== undefined) {
      const note = normaliseNote(raw);
      form.values.set(evidenceField(checkpoint.id), note);
      // A checkbox posts only when ticked, so beside its note an absent one means "keep it private".
      const share = field(fields, shareField(checkpoint.id)) === 'on';
      form.values.set(shareField(checkpoint.id), share ? 'on' : '');
      if (share) form.shared.add(checkpoint.id);
      if (note.length > maxEvidenceLength) {
        form.errors.set(
          checkpoint.id,
          `The evidence note is ${note.length} characters long; keep it under ${maxEvidenceLength}.`,
        );
      } else {
        form.notes.set(checkpoint.id, note);
      }
    }
  }
  return form;
}

/**
 * Notes as stored: line breaks as "\n" (browsers post "\r\n", which would count
 * twice against the limit) and no NUL characters (PostgreSQL text cannot hold them).
 */
export function normaliseNote(note: string): string {
  return note.replace(/\r\n?/g, '\n').replaceAll('\u0000', '');
}

/** A choice as this question accepts it: a scale point or non-answer, or an outcome signal's direction. */
export function parseAnswer(definition: Definition, question: PlacedQuestion, choice: string): Answer | undefined {
  if (question.part === 'outcomes') return outcomeAnswerFromChoice(choice);
  const answer = parseChoice(choice);
  return answer && isOnScale(answer, definition.scale) ? answer : undefined;
}

export function parseChoice(choice: string): Answer | undefined {
  if (choice === 'na' || choice === 'dontknow') return answerFromChoice(choice);
  if (!/^\d{1,2}$/.test(choice)) return undefined;
  return answerFromChoice(Number(choice));
}
