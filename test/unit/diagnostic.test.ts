import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDefinition } from '../../server/assessments/load.js';
import { tallyAnswers, type Answer } from '../../server/domain/answers.js';
import { allCheckpoints, answerableIds, type Definition } from '../../server/domain/definition.js';
import { diagnose, reaches, type Diagnostic, type PhaseStatus } from '../../server/domain/diagnostic.js';
import { fixtureDefinition } from '../fixtures/definition.js';

/**
 * The diagnostic, judged against the framework (seeds/001): prerequisites first, all of them
 * required; execution judged per level; theater only where execution runs clearly ahead of a
 * prerequisite that is actually missing (or practices run while outcomes worsen); nothing rated,
 * no verdict. Each case's expectation was written from the framework before running the code.
 */

type Choice = number | 'na' | 'dk' | 'worse' | 'flat' | 'better' | 'notmeasured';
type Spec = Record<string, Choice>;

const answer = (v: Choice): Answer => {
  if (v === 'na') return { kind: 'not_applicable' };
  if (v === 'dk' || v === 'notmeasured') return { kind: 'dont_know' };
  if (v === 'worse') return { kind: 'rating', value: -1 };
  if (v === 'flat') return { kind: 'rating', value: 0 };
  if (v === 'better') return { kind: 'rating', value: 1 };
  return { kind: 'rating', value: v };
};
const respondent = (spec: Spec) => new Map(Object.entries(spec).map(([id, v]) => [id, answer(v)]));

function diagnoseGroup(definition: Definition, specs: Spec[]): Diagnostic {
  return diagnose(definition, tallyAnswers(answerableIds(definition), specs.map(respondent)), specs.length);
}
const constraintOf = (d: Diagnostic) => (d.constraint ? `${d.constraint.phase.id}/${d.constraint.part}` : null);

// ---------------------------------------------------------------------------------------------
// The published AI-native maturity assessment, version 1: the cases an experienced coach raised.

const v1 = parseDefinition(
  'ai-native-maturity.v1.json',
  await readFile(path.resolve(import.meta.dirname, '../../assessments/ai-native-maturity.v1.json'), 'utf8'),
);
const idsOf = (phaseIndex: number, part: 'prerequisites' | 'execution', level?: string) =>
  allCheckpoints(v1)
    .filter((c) => c.phaseIndex === phaseIndex && c.part === part && (level === undefined || c.level === level))
    .map((c) => c.id);

/** Values in file order for a phase's part: `part(0, 'prerequisites', [0, 4, 4, 4])`, or one value for all. */
function part(phaseIndex: number, which: 'prerequisites' | 'execution', values: Choice[] | Choice, level?: string): Spec {
  const ids = idsOf(phaseIndex, which, level);
  if (Array.isArray(values) && values.length !== ids.length) throw new Error(`expected ${ids.length} values for ${ids.join(', ')}`);
  return Object.fromEntries(ids.map((id, i) => [id, Array.isArray(values) ? values[i]! : values]));
}
const everything = (value: Choice): Spec =>
  Object.fromEntries(allCheckpoints(v1).map((c) => [c.id, value]));
const phaseAll = (i: number, value: Choice): Spec => ({ ...part(i, 'prerequisites', value), ...part(i, 'execution', value) });

describe('the diagnostic on AI-native maturity v1, as the framework reads each situation', () => {
  it.each<{ situation: string; answers: Spec; statuses: PhaseStatus[]; stage: number | null; constraint: string | null; named?: string[] }>([
    {
      situation: 'one missing prerequisite among strong ones (no written direction, execution everywhere) → theater, and lead-direction is the constraint, named first (engine was wrong: it said achieved)',
      answers: { ...part(0, 'prerequisites', [0, 4, 4, 4]), ...part(0, 'execution', 4) },
      statuses: ['theater', 'not_started', 'not_started'],
      stage: 0,
      constraint: 'foundation/prerequisites',
      named: ['lead-direction'],
    },
    {
      situation: "a leader who doesn't know whether managers are backed → not achieved; find out about mgr-backing (engine was wrong: the don't know vanished)",
      answers: { ...part(0, 'prerequisites', [4, 4, 'dk', 4]), ...part(0, 'execution', 4) },
      statuses: ['stalled', 'not_started', 'not_started'],
      stage: 0,
      constraint: 'foundation/prerequisites',
      named: ['mgr-backing'],
    },
    {
      situation: 'everything out of scope → nothing to diagnose: no stage, no constraint (engine was wrong: stage 3 of 3)',
      answers: everything('na'),
      statuses: ['no_evidence', 'no_evidence', 'no_evidence'],
      stage: null,
      constraint: null,
    },
    {
      situation: 'a healthy organisation with one soft spot (one prerequisite partly in place) → achieved, however many prerequisites the phase has (engine was wrong: 68.75 failed)',
      answers: {
        ...part(0, 'prerequisites', [3, 3, 3, 2]),
        ...part(0, 'execution', 4),
        ...part(1, 'prerequisites', [3, 3, 3, 3, 2]),
        ...part(1, 'execution', 4),
      },
      statuses: ['achieved', 'achieved', 'not_started'],
      stage: 2,
      constraint: 'permeation/prerequisites',
    },
    {
      situation: 'every prerequisite at least partly in place, execution strong → achieved, not theater (engine was wrong)',
      answers: { ...part(0, 'prerequisites', [3, 3, 3, 2]), ...part(0, 'execution', [4, 4, 4, 4, 3, 3, 3]) },
      statuses: ['achieved', 'not_started', 'not_started'],
      stage: 1,
      constraint: 'delivery/prerequisites',
    },
    {
      situation: 'nothing from leadership and execution only patchy (42.9) → stalled: execution is waiting, not running ahead (engine was wrong: theater)',
      answers: { ...part(0, 'prerequisites', 0), ...part(0, 'execution', [2, 2, 2, 2, 2, 2, 0]) },
      statuses: ['stalled', 'not_started', 'not_started'],
      stage: 0,
      constraint: 'foundation/prerequisites',
    },
    {
      situation: 'phase 1 stalled but later phases strong → stage 0, later phases keep their status but are not counted',
      answers: { ...phaseAll(0, 1), ...phaseAll(1, 4), ...phaseAll(2, 4) },
      statuses: ['stalled', 'achieved', 'achieved'],
      stage: 0,
      constraint: 'foundation/prerequisites',
    },
    {
      situation: 'delivery practices strong for individuals and teams but nothing at organisation level → executing, the organisation level is the constraint (engine was wrong: met on the mean of 75)',
      answers: {
        ...phaseAll(0, 4),
        ...part(1, 'prerequisites', 4),
        ...part(1, 'execution', 4),
        ...part(1, 'execution', 0, 'organisation'),
      },
      statuses: ['achieved', 'executing', 'not_started'],
      stage: 1,
      constraint: 'delivery/execution',
      named: idsOf(1, 'execution', 'organisation'),
    },
    {
      situation: 'tools bought without direction: no direction, leaders not practising, licences and access everywhere → theater',
      answers: { ...part(0, 'prerequisites', [0, 1, 3, 3]), ...part(0, 'execution', [3, 2, 2, 2, 3, 4, 2]) },
      statuses: ['theater', 'not_started', 'not_started'],
      stage: 0,
      constraint: 'foundation/prerequisites',
      named: ['lead-direction', 'lead-practice'],
    },
    {
      situation: 'prerequisites a near miss at the top (two only partly in place) under strong execution → stalled, never theater',
      answers: { ...part(0, 'prerequisites', [2, 2, 4, 4]), ...part(0, 'execution', 4) },
      statuses: ['stalled', 'not_started', 'not_started'],
      stage: 0,
      constraint: 'foundation/prerequisites',
      named: ['lead-direction', 'lead-practice'],
    },
    {
      situation: 'everything fully in place → stage 3, no constraint',
      answers: everything(4),
      statuses: ['achieved', 'achieved', 'achieved'],
      stage: 3,
      constraint: null,
    },
    {
      situation: 'frontline mindset missing while teams run their own governance → phase 3 theater',
      answers: { ...phaseAll(0, 4), ...phaseAll(1, 4), ...part(2, 'prerequisites', [0, 3, 3, 3]), ...part(2, 'execution', 4) },
      statuses: ['achieved', 'achieved', 'theater'],
      stage: 2,
      constraint: 'permeation/prerequisites',
      named: ['outcome-ownership'],
    },
    {
      situation: 'a prerequisite marked not applicable leaves the scope: the other three decide → achieved',
      answers: { ...part(0, 'prerequisites', [4, 4, 'na', 4]), ...part(0, 'execution', 4) },
      statuses: ['achieved', 'not_started', 'not_started'],
      stage: 1,
      constraint: 'delivery/prerequisites',
    },
  ])('$situation', ({ answers, statuses, stage, constraint, named }) => {
    const d = diagnoseGroup(v1, [answers]);
    expect(d.phases.map((p) => p.status)).toEqual(statuses);
    expect(d.stageReached).toBe(stage);
    expect(constraintOf(d)).toBe(constraint);
    if (named) expect(d.constraint!.weakest.map((w) => w.checkpoint.id)).toEqual(named.slice(0, 3));
  });

  it('a prerequisite left unanswered keeps the part open until it is answered', () => {
    const answers = { ...part(0, 'prerequisites', [4, 4, 4, 4]), ...part(0, 'execution', 4) };
    delete answers['mgr-backing'];
    const d = diagnoseGroup(v1, [answers]);
    expect(d.phases[0]).toMatchObject({ status: 'stalled', prerequisites: { reason: 'unanswered' } });
    expect(d.nextSteps.map((s) => [s.result?.checkpoint.id, s.kind])).toEqual([['mgr-backing', 'answer']]);
  });

  it('one missing prerequisite makes the part unmet whatever its mean, and is the first next step', () => {
    const d = diagnoseGroup(v1, [{ ...part(0, 'prerequisites', [0, 4, 4, 4]), ...part(0, 'execution', 4) }]);
    const prerequisites = d.phases[0]!.prerequisites;
    expect(prerequisites.score).toBe(75); // the mean is fine; the verdict is not
    expect(prerequisites).toMatchObject({ met: false, reason: 'missing' });
    expect(d.phases[0]!.theater?.aheadOf.map((c) => c.checkpoint.id)).toEqual(['lead-direction']);
    expect(d.nextSteps[0]).toMatchObject({ kind: 'act', result: { checkpoint: { id: 'lead-direction' } } });
  });

  it("not knowing about manager backing is a find-out step, and the phase's prerequisites are unclear rather than missing", () => {
    const d = diagnoseGroup(v1, [{ ...part(0, 'prerequisites', [4, 4, 'dk', 4]), ...part(0, 'execution', 4) }]);
    expect(d.phases[0]).toMatchObject({ prerequisitesUnclear: true, prerequisites: { reason: 'unknown' } });
    expect(d.nextSteps.map((s) => [s.result?.checkpoint.id, s.kind])).toEqual([['mgr-backing', 'find-out']]);
  });

  it('the verdict does not depend on how many prerequisites a part has: two soft spots fail both a 4- and a 5-item part', () => {
    const four = diagnoseGroup(v1, [{ ...part(0, 'prerequisites', [3, 3, 2, 2]), ...part(0, 'execution', 4) }]);
    const five = diagnoseGroup(v1, [{ ...phaseAll(0, 4), ...part(1, 'prerequisites', [3, 3, 3, 2, 2]), ...part(1, 'execution', 4) }]);
    expect(four.phases[0]!.prerequisites).toMatchObject({ met: false, reason: 'soft_spots' });
    expect(five.phases[1]!.prerequisites).toMatchObject({ met: false, reason: 'soft_spots' });
  });

  it('phases after the first one not achieved are not counted, whatever their own status', () => {
    const d = diagnoseGroup(v1, [{ ...phaseAll(0, 1), ...phaseAll(1, 4), ...phaseAll(2, 4) }]);
    expect(d.phases.map((p) => p.counted)).toEqual([true, false, false]);
  });

  it('a missing organisation level is named by its own checkpoints, and its level is reported', () => {
    const d = diagnoseGroup(v1, [
      { ...phaseAll(0, 4), ...part(1, 'prerequisites', 4), ...part(1, 'execution', 4), ...part(1, 'execution', 0, 'organisation') },
    ]);
    expect(d.phases[1]!.execution.score).toBe(75);
    expect(d.constraint).toMatchObject({ reason: 'level_missing', missingLevels: ['organisation'] });
  });

  it('the next constraint is the following unmet part in walk order', () => {
    const d = diagnoseGroup(v1, [{ ...part(0, 'prerequisites', [0, 4, 4, 4]), ...part(0, 'execution', [4, 4, 4, 4, 4, 0, 0]) }]);
    expect(constraintOf(d)).toBe('foundation/prerequisites');
    expect(d.nextConstraint).toMatchObject({ part: 'execution', reason: 'level_missing', phaseIndex: 0 });
  });

  it('three respondents whose exact mean is 70 meet a threshold of 70 (floating point gives 69.999…)', () => {
    const people = [0, 1, 2].map((r) => ({
      ...part(0, 'prerequisites', 4),
      'ind-weekly-use': [4, 4, 2][r]!,
      'ind-training': [4, 4, 0][r]!,
      'team-experiments': [4, 4, 0][r]!,
      'team-ai-policy': 4,
      'team-review-generated': [4, 0, 0][r]!,
      'org-tool-access': 'na' as const,
      'org-baseline': 'na' as const,
    }));
    const d = diagnoseGroup(v1, people);
    const execution = d.phases[0]!.execution;
    expect(execution.score).toBeLessThan(70); // the arithmetic is off by a hair…
    expect(execution.score).toBeCloseTo(70, 9);
    expect(execution.met).toBe(true); // …and the verdict is not
    expect(d.phases[0]!.status).toBe('achieved');
  });

  it('nothing rated at all: no stage, no constraint, no steps, no flags', () => {
    for (const answers of [everything('na'), everything('dk'), {}]) {
      const d = diagnoseGroup(v1, [answers]);
      expect(d).toMatchObject({ verdict: 'no_evidence', stageReached: null, constraint: null, nextSteps: [], flags: [] });
    }
  });

  it('a rated response gets a verdict even with phases not started', () => {
    const d = diagnoseGroup(v1, [part(0, 'prerequisites', 4)]);
    expect(d.verdict).toBe('diagnosed');
    expect(d.constraint).toMatchObject({ part: 'execution', reason: 'unanswered' });
  });
});

// ---------------------------------------------------------------------------------------------
// The small fixture (2 prerequisites, team + organisation execution, one outcome signal in phase 2).

const fx = fixtureDefinition;
const fxPhase = (prefix: string, p: Choice, e: Choice): Spec => ({
  [`${prefix}.p1`]: p,
  [`${prefix}.p2`]: p,
  [`${prefix}.e1`]: e,
  [`${prefix}.e2`]: e,
  [`${prefix}.e3`]: e,
});

describe('outcome signals are not practices', () => {
  it('practice strong but the outcome getting worse → output theater, even with every practice in place; the outcome is the constraint', () => {
    const d = diagnoseGroup(fx, [{ ...fxPhase('f', 4, 4), ...fxPhase('d', 4, 4), 'd.o1': 'worse' }]);
    expect(d.phases[1]).toMatchObject({ status: 'theater', theater: { aheadOf: [] } });
    expect(d.phases[1]!.theater!.worseningOutcomes.map((o) => o.outcome.id)).toEqual(['d.o1']);
    expect(constraintOf(d)).toBe('delivery/outcomes');
    expect(d.nextSteps).toMatchObject([{ kind: 'investigate', outcome: { outcome: { id: 'd.o1' } } }]);
    expect(d.flags.map((f) => f.kind)).toContain('practice-versus-outcome');
  });

  it.each<[string, Choice, PhaseStatus]>([
    ['outcome flat → achieved', 'flat', 'achieved'],
    ['outcome better → achieved', 'better', 'achieved'],
    ['outcome not measured → achieved (a finding, not theater)', 'notmeasured', 'achieved'],
  ])('%s', (_, outcome, status) => {
    const d = diagnoseGroup(fx, [{ ...fxPhase('f', 4, 4), ...fxPhase('d', 4, 4), 'd.o1': outcome }]);
    expect(d.phases[1]!.status).toBe(status);
  });

  it('an outcome getting worse is no theater while practices are barely started', () => {
    const d = diagnoseGroup(fx, [{ ...fxPhase('f', 4, 4), ...fxPhase('d', 4, 1), 'd.o1': 'worse' }]);
    expect(d.phases[1]!.status).toBe('executing');
  });

  it('a room split on an outcome (2 worse, 2 better, 2 flat) is mixed, not worse', () => {
    const base = { ...fxPhase('f', 4, 4), ...fxPhase('d', 4, 4) };
    const trends: Choice[] = ['worse', 'worse', 'better', 'better', 'flat', 'flat'];
    const d = diagnoseGroup(fx, trends.map((t) => ({ ...base, 'd.o1': t })));
    expect(d.phases[1]!.outcomes[0]!.trend).toBe('mixed');
    expect(d.phases[1]!.status).toBe('achieved');
  });
});

describe('theater needs execution underway and clearly ahead of a prerequisite that is actually missing', () => {
  it.each<[string, Spec, PhaseStatus]>([
    ['prerequisites 0, execution fully in place → theater', fxPhase('f', 0, 4), 'theater'],
    ['prerequisites 1 (started), execution partly in place → theater (25 ≥ 20 ahead)', fxPhase('f', 1, 2), 'theater'],
    ['prerequisites 0, execution started only (25) → stalled', fxPhase('f', 0, 1), 'stalled'],
    ['prerequisites 2 (partly, two soft spots), execution fully in place → stalled, not theater', fxPhase('f', 2, 4), 'stalled'],
    ['one prerequisite missing, one in place, execution in place → theater', { ...fxPhase('f', 4, 3), 'f.p1': 1 }, 'theater'],
  ])('%s', (_, answers, status) => {
    expect(diagnoseGroup(fx, [answers]).phases[0]!.status).toBe(status);
  });

  it('one execution answer is not enough evidence to call theater', () => {
    const d = diagnoseGroup(fx, [{ 'f.p1': 0, 'f.p2': 0, 'f.e1': 4 }]);
    expect(d.phases[0]!.execution.confidence.level).toBe('low');
    expect(d.phases[0]!.status).toBe('stalled');
  });
});

describe('the three non-answers', () => {
  it('the lowest point scores zero and is evidence: a missing prerequisite', () => {
    const d = diagnoseGroup(fx, [fxPhase('f', 0, 0)]);
    expect(d.phases[0]!.prerequisites).toMatchObject({ score: 0, reason: 'missing' });
    expect(d.phases[0]!.status).toBe('stalled');
  });

  it('not applicable leaves the denominator: the other answers decide', () => {
    const withZero = diagnoseGroup(fx, [{ ...fxPhase('f', 4, 4), 'f.e3': 0 }]);
    const withNa = diagnoseGroup(fx, [{ ...fxPhase('f', 4, 4), 'f.e3': 'na' }]);
    expect(withZero.phases[0]!.status).toBe('executing'); // the organisation level is missing
    expect(withNa.phases[0]!.status).toBe('achieved'); // the organisation level is out of scope
    expect(withNa.phases[0]!.execution.levels.map((l) => l.level)).toEqual(['team']);
  });

  it('prerequisites all out of scope but execution rated: no evidence for them, so the phase cannot be achieved', () => {
    const d = diagnoseGroup(fx, [{ 'f.p1': 'na', 'f.p2': 'na', 'f.e1': 4, 'f.e2': 4, 'f.e3': 4 }]);
    expect(d.phases[0]!.prerequisites.verdict).toBe('no_evidence');
    expect(d.phases[0]!.status).toBe('stalled');
    expect(d.nextSteps.map((s) => s.kind)).toEqual(['reconsider', 'reconsider']);
  });

  it("don't know, unanswered and zero are three different things", () => {
    expect(diagnoseGroup(fx, [{ 'f.p1': 'dk', 'f.p2': 4 }]).phases[0]!.prerequisites.checkpoints[0]!.state).toBe('unknown');
    expect(diagnoseGroup(fx, [{ 'f.p2': 4 }]).phases[0]!.prerequisites.checkpoints[0]!.state).toBe('unanswered');
    expect(diagnoseGroup(fx, [{ 'f.p1': 0, 'f.p2': 4 }]).phases[0]!.prerequisites.checkpoints[0]!.state).toBe('missing');
  });

  it('next steps: missing first, then find out, then answer, then soft spots; at most three', () => {
    const d = diagnoseGroup(v1, [{ ...part(0, 'prerequisites', [2, 'dk', 0, 'na']), ...part(0, 'execution', 3) }]);
    expect(d.nextSteps.map((s) => [s.result?.checkpoint.id, s.kind])).toEqual([
      ['mgr-backing', 'act'],
      ['lead-practice', 'find-out'],
      ['lead-direction', 'act'],
    ]);
  });
});

describe('the same diagnostic over a group', () => {
  const six = (spec: (i: number) => Spec) => [0, 1, 2, 3, 4, 5].map(spec);

  it("a room of six where two don't know about a prerequisite keeps it open as find out", () => {
    const d = diagnoseGroup(fx, six((i) => ({ ...fxPhase('f', 4, 4), 'f.p2': i < 2 ? 'dk' : 4 })));
    expect(d.phases[0]!.prerequisites.checkpoints[1]!.state).toBe('unknown');
    expect(d.nextSteps.map((s) => s.kind)).toEqual(['find-out']);
  });

  it("a room of six where one doesn't know: the others' ratings decide", () => {
    const d = diagnoseGroup(fx, six((i) => ({ ...fxPhase('f', 4, 4), 'f.p2': i < 1 ? 'dk' : 4 })));
    expect(d.phases[0]!.status).toBe('achieved');
  });

  it('a prerequisite the room rates mostly not in place is missing for the group (mean below partly)', () => {
    const d = diagnoseGroup(fx, six((i) => ({ ...fxPhase('f', 4, 4), 'f.p1': i < 4 ? 0 : 4 })));
    expect(d.phases[0]!.prerequisites.checkpoints[0]).toMatchObject({ state: 'missing' });
    expect(d.phases[0]!.status).toBe('theater');
  });

  it('averages the ratings of every respondent per checkpoint', () => {
    const d = diagnoseGroup(fx, [fxPhase('f', 4, 4), fxPhase('f', 2, 4), fxPhase('f', 'dk', 4)]);
    expect(d.phases[0]!.prerequisites.score).toBe(75);
    expect(d.phases[0]!.prerequisites.confidence).toMatchObject({ applicable: 6, rated: 4, dontKnow: 2, level: 'medium' });
    // one of three don't know on each prerequisite: a third passes the find-out share (0.3)
    expect(d.phases[0]!.prerequisites.reason).toBe('unknown');
  });
});

describe('contradictions worth a workshop', () => {
  it('a prerequisite rated fully in place while a practice it should make visible is "don\'t know"', () => {
    const d = diagnoseGroup(fx, [{ ...fxPhase('f', 4, 3), 'f.e2': 'dk' }]);
    expect(d.flags).toMatchObject([{ kind: 'sure-but-unaware', strong: { id: 'f.p1' }, weak: { id: 'f.e2' } }]);
  });

  it("a later phase's prerequisite fully in place while an earlier one is missing", () => {
    const d = diagnoseGroup(fx, [{ ...fxPhase('f', 0, 2), ...fxPhase('d', 4, 2) }]);
    expect(d.flags).toMatchObject([{ kind: 'later-ahead-of-missing', strong: { id: 'd.p1' }, weak: { id: 'f.p1' } }]);
  });

  it('consistent answers raise no flag', () => {
    expect(diagnoseGroup(fx, [{ ...fxPhase('f', 3, 3), ...fxPhase('d', 2, 2) }]).flags).toEqual([]);
  });
});

describe('thresholds', () => {
  it('reaches() forgives floating-point error but not a real shortfall', () => {
    expect(reaches(69.99999999999999, 70)).toBe(true);
    expect(reaches(69.99, 70)).toBe(false);
  });
});

const delivery = parseDefinition(
  'delivery-bottleneck-check.v2.json',
  await readFile(path.resolve(import.meta.dirname, '../../assessments/delivery-bottleneck-check.v2.json'), 'utf8'),
);

describe('the delivery bottleneck check names the most likely bottleneck', () => {
  const everythingAt = (value: Choice): Spec => Object.fromEntries(allCheckpoints(delivery).map((c) => [c.id, value]));

  it.each<[string, Spec, string]>([
    ['deploys feared: deploy practices weakest → deploy fear', { 'deploy-ordinary-day': 0, 'flaky-tests-fixed': 1, 'generated-understood': 1 }, 'deploy-fear'],
    ['nobody looks after shipping → no feedback', { 'shipped-checked': 0, 'usage-visible': 0 }, 'no-feedback'],
    ['work arrives unclear → not knowing what to build', { 'clear-requirements': 0, 'problem-stated': 1 }, 'unclear-what-to-build'],
  ])('%s', (_, weak, expected) => {
    const d = diagnoseGroup(delivery, [{ ...everythingAt(3), ...weak }]);
    expect(d.bottlenecks[0]!.id).toBe(expected);
    expect(d.bottlenecks[0]!.checkpoints[0]!.score).toBeLessThan(50);
  });

  it('no ratings, no bottleneck named', () => {
    expect(diagnoseGroup(delivery, [{}]).bottlenecks).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Cases an expert review found (each failed before its fix).

const v2 = parseDefinition(
  'ai-native-maturity.v2.json',
  await readFile(path.resolve(import.meta.dirname, '../../assessments/ai-native-maturity.v2.json'), 'utf8'),
);
const allOf = (definition: Definition, value: Choice): Spec =>
  Object.fromEntries([
    ...allCheckpoints(definition).map((c) => [c.id, value] as const),
    ...definition.phases.flatMap((p) => (p.outcomes ?? []).map((o) => [o.id, 'flat'] as const)),
  ]);

describe('found by an expert review', () => {
  it('a room where four rate the direction "not in place" and two do not know: missing (theater), not "find out"', () => {
    const room = [0, 1, 2, 3, 4, 5].map((i) => ({ ...allOf(v2, 4), 'lead-direction': i < 4 ? 0 : 'dk' }) as Spec);
    const d = diagnoseGroup(v2, room);
    expect(d.phases[0]!.prerequisites.checkpoints[0]!.state).toBe('missing');
    expect(d.phases[0]!.status).toBe('theater');
    expect(d.constraint).toMatchObject({ reason: 'missing', weakest: [{ checkpoint: { id: 'lead-direction' } }] });
  });

  it('two practices missing are not hidden by a good average (queues after review and CI) → not achieved', () => {
    const d = diagnoseGroup(delivery, [
      { ...allOf(delivery, 4), 'lead-time-trend': 'better', 'review-within-day': 0, 'released-after-checks': 0, 'flaky-tests-fixed': 1 },
    ]);
    expect(d.phases[1]!.status).toBe('executing');
    expect(d.constraint).toMatchObject({ part: 'execution', reason: 'practices_missing' });
    expect(d.constraint!.weakest.map((w) => w.checkpoint.id).slice(0, 2).sort()).toEqual(['released-after-checks', 'review-within-day']);
    expect(d.bottlenecks[0]!.id).toBe('after-done');
  });

  it('a healthy delivery check names no bottleneck', () => {
    expect(diagnoseGroup(delivery, [allOf(delivery, 4)]).bottlenecks).toEqual([]);
    expect(diagnoseGroup(delivery, [allOf(delivery, 3)]).bottlenecks).toEqual([]);
  });

  it('two queues after "done" outrank one deploy worry: a bottleneck is not diluted by its many strong practices', () => {
    const d = diagnoseGroup(delivery, [{ ...allOf(delivery, 3), 'review-within-day': 0, 'released-after-checks': 0, 'flaky-tests-fixed': 0 }]);
    expect(d.bottlenecks[0]!.id).toBe('after-done');
  });

  it('practices rated but too many "don\'t know": the constraint comes with find-out steps', () => {
    const practices = allCheckpoints(v2).filter((c) => c.phaseIndex === 0 && c.part === 'execution').map((c) => c.id);
    const a = allOf(v2, 3);
    const b = { ...allOf(v2, 3), ...Object.fromEntries(practices.map((id) => [id, 'dk' as const])) };
    const d = diagnoseGroup(v2, [a, b]);
    expect(d.constraint).toMatchObject({ part: 'execution', reason: 'thin_evidence' });
    expect(d.nextSteps.length).toBeGreaterThan(0);
    expect(d.nextSteps.every((s) => s.kind === 'find-out')).toBe(true);
  });

  it('a level nobody answered is unanswered, not missing', () => {
    const individual = allCheckpoints(v2).filter((c) => c.phaseIndex === 0 && c.level === 'individual').map((c) => c.id);
    const prerequisites = allCheckpoints(v2).filter((c) => c.phaseIndex === 0 && c.part === 'prerequisites').map((c) => c.id);
    const d = diagnoseGroup(v2, [Object.fromEntries([...prerequisites, ...individual].map((id) => [id, 4]))]);
    expect(d.constraint).toMatchObject({ part: 'execution', reason: 'unanswered', missingLevels: [] });
    expect(d.nextSteps.every((s) => s.kind === 'answer')).toBe(true);
  });

  it('a room of ten where four say an outcome got worse (three flat, three better) is mixed, not "about the same"', () => {
    const trends: Choice[] = ['worse', 'worse', 'worse', 'worse', 'flat', 'flat', 'flat', 'better', 'better', 'better'];
    const d = diagnoseGroup(fx, trends.map((t) => ({ ...fxPhase('f', 4, 4), ...fxPhase('d', 4, 4), 'd.o1': t })));
    expect(d.phases[1]!.outcomes[0]!.trend).toBe('mixed');
  });

  it('prerequisites marked not applicable are flagged for the leader to check', () => {
    const d = diagnoseGroup(v2, [{ ...allOf(v2, 4), 'lead-direction': 'na', 'lead-hands-on': 'na' }]);
    expect(d.flags).toMatchObject([{ kind: 'prerequisite-not-applicable', phaseIndex: 0 }]);
    expect(d.flags[0]!.checkpoints.map((c) => c.id)).toEqual(['lead-direction', 'lead-hands-on']);
  });

  it('practices underway with no outcome measured are flagged', () => {
    const outcomes = v2.phases[1]!.outcomes!.map((o) => o.id);
    const d = diagnoseGroup(v2, [{ ...allOf(v2, 4), ...Object.fromEntries(outcomes.map((id) => [id, 'notmeasured' as const])) }]);
    expect(d.flags.map((f) => f.kind)).toEqual(['outcomes-not-measured']);
  });
});
