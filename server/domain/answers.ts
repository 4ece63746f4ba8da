import type { OutcomeTrend, Scale } from './definition.js';

/**
 * One person's answer to one checkpoint. The three non-answers are kept apart:
 * a rating at the scale's lowest point scores zero, "not applicable" leaves the
 * denominator, "don't know" is a finding that lowers confidence.
 */
export type Answer =
  | { kind: 'rating'; value: number }
  | { kind: 'not_applicable' }
  | { kind: 'dont_know' };

/** The form/API spelling of an answer: a scale value, "na" or "dontknow". */
export function answerFromChoice(choice: number | 'na' | 'dontknow'): Answer {
  if (choice === 'na') return { kind: 'not_applicable' };
  if (choice === 'dontknow') return { kind: 'dont_know' };
  return { kind: 'rating', value: choice };
}

export function choiceOfAnswer(answer: Answer): string {
  if (answer.kind === 'not_applicable') return 'na';
  if (answer.kind === 'dont_know') return 'dontknow';
  return String(answer.value);
}

export function isOnScale(answer: Answer, scale: Scale): boolean {
  return answer.kind !== 'rating' || (answer.value >= scale.min && answer.value <= scale.max);
}

/**
 * Outcome signals are answered with a direction, not on the practice scale. They are stored as
 * ratings of −1 (getting worse), 0 (flat) and 1 (better); "not measured" is stored as "don't know"
 * (not knowing a system measure is a finding too). Their form spelling is the trend's name.
 */
const trendValues: Record<OutcomeTrend, number> = { worse: -1, flat: 0, better: 1 };

export function trendOfRating(value: number): OutcomeTrend | undefined {
  return value === -1 ? 'worse' : value === 0 ? 'flat' : value === 1 ? 'better' : undefined;
}

/** An outcome signal's answer from its form/API spelling: "worse", "flat", "better" or "notmeasured". */
export function outcomeAnswerFromChoice(choice: string): Answer | undefined {
  if (choice === 'notmeasured' || choice === 'dontknow') return { kind: 'dont_know' };
  if (choice in trendValues) return { kind: 'rating', value: trendValues[choice as OutcomeTrend] };
  return undefined;
}

export function choiceOfOutcomeAnswer(answer: Answer): string {
  if (answer.kind === 'rating') return trendOfRating(answer.value) ?? String(answer.value);
  return answer.kind === 'dont_know' ? 'notmeasured' : 'na';
}

/**
 * What is known about one checkpoint across the respondents considered: one
 * respondent for a self-assessment, many for a group. Unanswered is what is
 * left: respondents − rated − dontKnow − notApplicable.
 */
export interface CheckpointTally {
  rated: number[];
  dontKnow: number;
  notApplicable: number;
  respondents: number;
}

/** Tally the answers of any number of respondents, keyed by checkpoint id. */
export function tallyAnswers(
  checkpointIds: readonly string[],
  respondents: readonly ReadonlyMap<string, Answer>[],
): Map<string, CheckpointTally> {
  const tallies = new Map<string, CheckpointTally>();
  for (const id of checkpointIds) {
    const tally: CheckpointTally = { rated: [], dontKnow: 0, notApplicable: 0, respondents: respondents.length };
    for (const answers of respondents) {
      const answer = answers.get(id);
      if (!answer) continue;
      if (answer.kind === 'rating') tally.rated.push(answer.value);
      else if (answer.kind === 'dont_know') tally.dontKnow += 1;
      else tally.notApplicable += 1;
    }
    tallies.set(id, tally);
  }
  return tallies;
}
