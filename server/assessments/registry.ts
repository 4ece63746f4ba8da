import { allCheckpoints, allQuestions, definitionKey, type Definition, type PlacedCheckpoint, type PlacedQuestion } from '../domain/definition.js';

/** The published definitions, indexed for the routes: read-only once built. */
export interface AssessmentRegistry {
  /** Every published definition, newest version of each assessment first. */
  list(): readonly Definition[];
  /** The newest version of each assessment. */
  latest(): readonly Definition[];
  get(id: string, version: number): Definition | undefined;
  latestOf(id: string): Definition | undefined;
  /** The scored checkpoints (prerequisites and execution). */
  checkpoints(definition: Definition): readonly PlacedCheckpoint[];
  /** Everything a respondent answers: the checkpoints and the outcome signals. */
  questions(definition: Definition): readonly PlacedQuestion[];
  /** Every published definition that asks this id (ids are stable across versions). */
  definitionsAsking(checkpointId: string): readonly { definition: Definition; checkpoint: PlacedQuestion }[];
}

export function buildRegistry(definitions: readonly Definition[]): AssessmentRegistry {
  const byKey = new Map(definitions.map((d) => [definitionKey(d), d]));
  const sorted = [...definitions].sort((a, b) => a.id.localeCompare(b.id) || b.version - a.version);
  const latest = sorted.filter((d, i) => i === 0 || sorted[i - 1]!.id !== d.id);
  const flat = new Map(definitions.map((d) => [definitionKey(d), allCheckpoints(d)]));
  const questions = new Map(definitions.map((d) => [definitionKey(d), allQuestions(d)]));
  const asking = new Map<string, { definition: Definition; checkpoint: PlacedQuestion }[]>();
  for (const definition of definitions) {
    for (const checkpoint of questions.get(definitionKey(definition))!) {
      asking.set(checkpoint.id, [...(asking.get(checkpoint.id) ?? []), { definition, checkpoint }]);
    }
  }
  return {
    definitionsAsking: (checkpointId) => asking.get(checkpointId) ?? [],
    list: () => sorted,
    latest: () => latest,
    get: (id, version) => byKey.get(`${id}@${version}`),
    latestOf: (id) => latest.find((d) => d.id === id),
    checkpoints: (definition) => flat.get(definitionKey(definition)) ?? allCheckpoints(definition),
    questions: (definition) => questions.get(definitionKey(definition)) ?? allQuestions(definition),
  };
}
