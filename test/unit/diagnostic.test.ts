import { describe, expect, it } from 'vitest';
import { tallyAnswers, type Answer } from '../../server/domain/answers.js';
import { allCheckpoints } from '../../server/domain/definition.js';
import { diagnose, type PhaseStatus } from '../../server/domain/diagnostic.js';
import { fixtureDefinition as definition } from '../fixtures/definition.js';

const ids = allCheckpoints(definition).map((c) => c.id);
type Spec = Record<string, number | 'na' | 'dk'>;

const answer = (v: number | 'na' | 'dk'): Answer =>
  v === 'na' ? { kind: 'not_applicable' } : v === 'dk' ? { kind: 'dont_know' } : { kind: 'rating', value: v };

/** One respondent's answers: `{ 'f.p1': 4, 'f.e1': 'dk' }`. */
function respondent(spec: Spec): Map<string, Answer> {
  return new Map(Object.entries(spec).map(([id, v]) => [id, answer(v)]));
}

/** Every checkpoint of a phase prefix at one value: `phase('f', 3, 4)` = prerequisites 3, execution 4. */
function phase(prefix: string, prerequisites: number | 'na' | 'dk', execution: number | 'na' | 'dk'): Spec {
  return {
    [`${prefix}.p1`]: prerequisites,
    [`${prefix}.p2`]: prerequisites,
    [`${prefix}.e1`]: execution,
    [`${prefix}.e2`]: execution,
    [`${prefix}.e3`]: execution,
  };
}

function diagnoseOne(spec: Spec) {
  return diagnose(definition, tallyAnswers(ids, [respondent(spec)]));
}

describe('the diagnostic for one respondent', () => {
  it.each<{
    situation: string;
    answers: Spec;
    statuses: PhaseStatus[];
    stage: number;
    constraint: string | null;
  }>([
    {
      situation: 'tools adopted without leadership direction → phase 1 theater, constraint = phase 1 prerequisites',
      answers: { ...phase('f', 1, 3) },
      statuses: ['theater', 'not_started', 'not_started'],
      stage: 0,
      constraint: 'foundation/prerequisites',
    },
    {
      situation: 'prerequisites all met but execution lagging → executing, constraint = phase 1 execution',
      answers: { ...phase('f', 4, 1) },
      statuses: ['executing', 'not_started', 'not_started'],
      stage: 0,
      constraint: 'foundation/execution',
    },
    {
      situation: 'phase 1 achieved while evaluation still rewards output → phase 2 stalled',
      answers: { ...phase('f', 4, 3), ...phase('d', 1, 1) },
      statuses: ['achieved', 'stalled', 'not_started'],
      stage: 1,
      constraint: 'delivery/prerequisites',
    },
    {
      situation: 'everything achieved → stage 3, no constraint',
      answers: { ...phase('f', 4, 4), ...phase('d', 3, 3), ...phase('p', 4, 3) },
      statuses: ['achieved', 'achieved', 'achieved'],
      stage: 3,
      constraint: null,
    },
    {
      situation: 'an empty response → nothing started, constraint = phase 1 prerequisites',
      answers: {},
      statuses: ['not_started', 'not_started', 'not_started'],
      stage: 0,
      constraint: 'foundation/prerequisites',
    },
    {
      situation: 'a later phase achieved does not count while phase 1 is not (stages gate in order)',
      answers: { ...phase('f', 1, 1), ...phase('d', 4, 4) },
      statuses: ['stalled', 'achieved', 'not_started'],
      stage: 0,
      constraint: 'foundation/prerequisites',
    },
    {
      situation: 'execution ahead but within the theater margin → stalled, not theater',
      // prerequisites 50, execution 50: not 20 points ahead
      answers: { ...phase('f', 2, 2) },
      statuses: ['stalled', 'not_started', 'not_started'],
      stage: 0,
      constraint: 'foundation/prerequisites',
    },
    {
      situation: 'execution far ahead but barely in place → stalled, not theater',
      // prerequisites 0, execution 25: ahead by 25, but under the 40 minimum
      answers: { ...phase('f', 0, 1) },
      statuses: ['stalled', 'not_started', 'not_started'],
      stage: 0,
      constraint: 'foundation/prerequisites',
    },
    {
      situation: 'phase 3 frontline mindset missing while teams run governance → phase 3 theater',
      answers: { ...phase('f', 4, 4), ...phase('d', 4, 4), ...phase('p', 1, 4) },
      statuses: ['achieved', 'achieved', 'theater'],
      stage: 2,
      constraint: 'permeation/prerequisites',
    },
  ])('$situation', ({ answers, statuses, stage, constraint }) => {
    const d = diagnoseOne(answers);
    expect(d.phases.map((p) => p.status)).toEqual(statuses);
    expect(d.stageReached).toBe(stage);
    expect(d.constraint ? `${d.constraint.phase.id}/${d.constraint.part}` : null).toBe(constraint);
  });

  it('theater starts exactly at the margin and the minimum', () => {
    // prerequisites 37.5 (1 and 2), execution 58.3 (2, 2, 3): 20.8 ahead and ≥ 40 → theater
    const at = diagnoseOne({ 'f.p1': 1, 'f.p2': 2, 'f.e1': 2, 'f.e2': 2, 'f.e3': 3 });
    expect(at.phases[0]!.status).toBe('theater');
    // prerequisites 50, execution 66.7: 16.7 ahead → stalled
    const below = diagnoseOne({ 'f.p1': 2, 'f.p2': 2, 'f.e1': 2, 'f.e2': 3, 'f.e3': 3 });
    expect(below.phases[0]!.status).toBe('stalled');
  });

  it('names the constraint with its weakest checkpoints, weakest first', () => {
    const d = diagnoseOne({ 'f.p1': 2, 'f.p2': 0, 'f.e1': 4, 'f.e2': 4, 'f.e3': 4 });
    expect(d.constraint?.weakest.map((w) => [w.checkpoint.id, w.score])).toEqual([
      ['f.p2', 0],
      ['f.p1', 50],
    ]);
  });

  it('leaves met checkpoints out of the constraint and the next steps', () => {
    // execution 0, 50, 100 → 50: not met; f.e3 is in place
    const d = diagnoseOne({ ...phase('f', 4, 4), 'f.e1': 0, 'f.e2': 2 });
    expect(d.constraint?.part).toBe('execution');
    expect(d.constraint?.weakest.map((w) => w.checkpoint.id)).toEqual(['f.e1', 'f.e2']);
    expect(d.nextSteps.map((s) => s.result.checkpoint.id)).toEqual(['f.e1', 'f.e2']);
  });
});

describe('the three non-answers', () => {
  it('the lowest point scores zero and counts as evidence', () => {
    const d = diagnoseOne({ ...phase('f', 0, 0) });
    expect(d.phases[0]!.prerequisites.score).toBe(0);
    expect(d.phases[0]!.confidence.level).toBe('high');
    expect(d.phases[0]!.status).toBe('stalled');
  });

  it('not applicable leaves the denominator: the other answers decide the score', () => {
    const withZero = diagnoseOne({ ...phase('f', 4, 4), 'f.e3': 0 });
    const withNa = diagnoseOne({ ...phase('f', 4, 4), 'f.e3': 'na' });
    expect(withZero.phases[0]!.execution.score).toBeCloseTo(66.67, 1);
    expect(withZero.phases[0]!.status).toBe('executing');
    expect(withNa.phases[0]!.execution.score).toBe(100);
    expect(withNa.phases[0]!.status).toBe('achieved');
    expect(withNa.phases[0]!.execution.confidence).toMatchObject({ applicable: 2, rated: 2, level: 'high' });
  });

  it('a part that is entirely not applicable requires nothing', () => {
    const d = diagnoseOne({ 'f.p1': 'na', 'f.p2': 'na', 'f.e1': 4, 'f.e2': 4, 'f.e3': 3 });
    expect(d.phases[0]!.prerequisites.met).toBe(true);
    expect(d.phases[0]!.status).toBe('achieved');
  });

  it("a leader answering \"don't know\" to most prerequisites gets low confidence, said so, and find-out steps", () => {
    const d = diagnoseOne({ 'f.p1': 'dk', 'f.p2': 4, 'f.e1': 3, 'f.e2': 3, 'f.e3': 3, ...phase('d', 'dk', 2), 'd.p2': 3 });
    expect(d.confidence.dontKnow).toBe(2);
    const prerequisites = d.phases[0]!.prerequisites;
    expect(prerequisites.score).toBe(100); // the one rated prerequisite
    expect(prerequisites.confidence).toMatchObject({ level: 'low', rated: 1, dontKnow: 1 });
    expect(prerequisites.met).toBe(false); // not on this little evidence
    expect(d.constraint).toMatchObject({ part: 'prerequisites', phaseIndex: 0 });
    expect(d.constraint?.confidence.level).toBe('low');
    expect(d.nextSteps.map((s) => [s.result.checkpoint.id, s.kind])).toEqual([['f.p1', 'find-out']]);
  });

  it("don't know is not the same as unanswered or zero", () => {
    const dk = diagnoseOne({ 'f.p1': 'dk' });
    expect(dk.phases[0]!.status).toBe('stalled');
    expect(dk.phases[0]!.prerequisites.checkpoints[0]!.state).toBe('unknown');
    const none = diagnoseOne({});
    expect(none.phases[0]!.status).toBe('not_started');
    expect(none.phases[0]!.prerequisites.checkpoints[0]!.state).toBe('unanswered');
  });

  it('an empty response has zero confidence across every applicable checkpoint', () => {
    const d = diagnoseOne({});
    expect(d.confidence).toMatchObject({ level: 'low', share: 0, applicable: 15, rated: 0, unanswered: 15 });
  });
});

describe('thin evidence', () => {
  it('execution alone, with prerequisites unanswered, is stalled (unclear), not theater', () => {
    const d = diagnoseOne({ 'f.e1': 4, 'f.e2': 4, 'f.e3': 4 });
    expect(d.phases[0]!.status).toBe('stalled');
    expect(d.phases[0]!.prerequisitesUnclear).toBe(true);
  });

  it('one execution answer is not enough evidence to call theater', () => {
    const d = diagnoseOne({ 'f.p1': 0, 'f.p2': 0, 'f.e1': 4 });
    expect(d.phases[0]!.execution.confidence.level).toBe('low');
    expect(d.phases[0]!.status).toBe('stalled');
    expect(d.phases[0]!.prerequisitesUnclear).toBe(false);
  });

  it('prerequisites that fail only on confidence are unclear, with execution met', () => {
    const d = diagnoseOne({ 'f.p1': 'dk', 'f.p2': 4, ...{ 'f.e1': 3, 'f.e2': 3, 'f.e3': 3 } });
    expect(d.phases[0]).toMatchObject({ status: 'stalled', prerequisitesUnclear: true });
  });

  it('everything not applicable: nothing required, but no evidence, so low confidence', () => {
    const d = diagnoseOne({ ...phase('f', 'na', 'na'), ...phase('d', 'na', 'na'), ...phase('p', 'na', 'na') });
    expect(d.stageReached).toBe(3);
    expect(d.constraint).toBeNull();
    expect(d.confidence).toMatchObject({ level: 'low', share: 0, applicable: 0 });
  });
});

describe('next steps', () => {
  it('a missing prerequisite is reported as gating its phase and every later one; weakest first', () => {
    const d = diagnoseOne({ 'f.p1': 1, 'f.p2': 'dk', 'f.e1': 3, 'f.e2': 4, 'f.e3': 3 });
    expect(d.nextSteps.map((s) => [s.result.checkpoint.id, s.kind, s.unblocks])).toEqual([
      ['f.p1', 'act', 9],
      ['f.p2', 'find-out', 9],
    ]);
  });

  it('execution gaps unblock themselves, weakest first', () => {
    const d = diagnoseOne({ 'f.p1': 4, 'f.p2': 4, 'f.e1': 2, 'f.e2': 0, 'f.e3': 4 });
    expect(d.nextSteps.map((s) => [s.result.checkpoint.id, s.unblocks])).toEqual([
      ['f.e2', 1],
      ['f.e1', 1],
    ]);
  });

  it('none when every phase is achieved', () => {
    const d = diagnoseOne({ ...phase('f', 4, 4), ...phase('d', 4, 4), ...phase('p', 4, 4) });
    expect(d.nextSteps).toEqual([]);
  });
});

describe('the same diagnostic over a group', () => {
  it('averages the ratings of every respondent per checkpoint', () => {
    const tallies = tallyAnswers(ids, [
      respondent({ ...phase('f', 4, 4) }),
      respondent({ ...phase('f', 2, 4) }),
      respondent({ ...phase('f', 'dk', 4) }),
    ]);
    const d = diagnose(definition, tallies, 3);
    expect(d.phases[0]!.prerequisites.score).toBe(75);
    expect(d.phases[0]!.prerequisites.confidence).toMatchObject({ applicable: 6, rated: 4, dontKnow: 2, level: 'medium' });
    expect(d.phases[0]!.status).toBe('achieved');
    expect(d.phases[1]!.confidence).toMatchObject({ applicable: 15, unanswered: 15 });
  });
});
