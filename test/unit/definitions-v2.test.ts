import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDefinitions } from '../../server/assessments/load.js';
import {
  allCheckpoints,
  allOutcomes,
  answerableIds,
  type Definition,
  type PlacedCheckpoint,
} from '../../server/domain/definition.js';

const folder = path.resolve(import.meta.dirname, '../../assessments');
const definitions = await loadDefinitions(folder);
const find = (id: string, version: number): Definition => {
  const found = definitions.find((d) => d.id === id && d.version === version);
  if (!found) throw new Error(`${id} v${version} did not load`);
  return found;
};
const maturity = { v1: find('ai-native-maturity', 1), v2: find('ai-native-maturity', 2) };
const delivery = { v1: find('delivery-bottleneck-check', 1), v2: find('delivery-bottleneck-check', 2) };
const versionTwos = [maturity.v2, delivery.v2];
const byId = (d: Definition) => new Map(allCheckpoints(d).map((c) => [c.id, c]));

/**
 * What became of each v1 checkpoint in v2: kept (unchanged / reworded, same id), split into new
 * ids, or retired. The test derives the same table from the files, so the files and this table
 * (and the report that quotes it) cannot drift apart.
 */
type Fate = 'unchanged' | 'reworded' | 'retired' | { split: string[] };
function fatesOf(v1: Definition, v2: Definition): Record<string, Fate> {
  const current = byId(v2);
  const retired = new Set((v2.retired ?? []).map((r) => r.id));
  const fates: Record<string, Fate> = {};
  for (const id of answerableIds(v1)) {
    const kept = current.get(id);
    const splits = allCheckpoints(v2)
      .filter((c) => c.lineage?.kind === 'split' && c.lineage.from === id)
      .map((c) => c.id);
    if (kept?.lineage?.kind === 'unchanged' || kept?.lineage?.kind === 'reworded') fates[id] = kept.lineage.kind;
    else if (splits.length > 0) fates[id] = { split: splits };
    else if (retired.has(id)) fates[id] = 'retired';
  }
  return fates;
}

const maturityFates: Record<string, Fate> = {
  'lead-direction': 'unchanged',
  'lead-practice': { split: ['lead-hands-on', 'mgr-hands-on'] },
  'mgr-backing': { split: ['mgr-time', 'mgr-decision-rights'] },
  'lead-learning-time': 'retired',
  'ind-weekly-use': 'reworded',
  'ind-training': 'reworded',
  'team-experiments': 'reworded',
  'team-ai-policy': 'unchanged',
  'team-review-generated': 'unchanged',
  'org-tool-access': 'reworded',
  'org-baseline': 'unchanged',
  'eval-outcomes': { split: ['eval-system-contribution', 'eval-outcomes-early'] },
  'ctx-funded': { split: ['ctx-planned'] },
  'small-teams': { split: ['small-teams-committed'] },
  'friction-tolerance': { split: ['dip-agreed'] },
  'metrics-system': { split: ['metrics-system-reviewed'] },
  'ind-agent-limits': 'unchanged',
  'ind-task-framing': 'unchanged',
  'ind-owns-output': { split: ['author-explains'] },
  'ctx-in-repo': 'reworded',
  'team-procedures': 'unchanged',
  'qa-in-workflow': 'unchanged',
  'spec-first': 'unchanged',
  'review-flow': 'reworded',
  'loop-time': 'retired',
  'flow-cycle-time': 'reworded',
  'org-constraint': 'reworded',
  'quality-trend': 'retired',
  'outcome-ownership': 'unchanged',
  'autonomous-decisions': 'reworded',
  'reshape-signal': 'unchanged',
  'guardrails-owned': { split: ['guardrails-strengthened'] },
  'principles-codified': 'unchanged',
  'judgment-practice': { split: ['judgment-by-design'] },
  'team-governance': { split: ['merge-on-checks'] },
  'ctx-upkeep': 'unchanged',
  'measure-decide': 'reworded',
  'practice-sharing': { split: ['practices-adopted'] },
  'org-structure-fit': { split: ['career-paths-fit'] },
  'problem-teams': { split: ['problem-teams-formed'] },
};

const deliveryFates: Record<string, Fate> = {
  'judge-by-lead-time': 'unchanged',
  'user-contact': { split: ['deciders-meet-users'] },
  'listen-to-doers': { split: ['doers-asked', 'doers-heard'] },
  'wip-small': 'reworded',
  'clear-requirements': 'unchanged',
  'stream-mapped': 'reworded',
  'wait-share': 'unchanged',
  'bottleneck-agreed': 'unchanged',
  'constraint-first': 'unchanged',
  'deploy-safety-funded': 'unchanged',
  'decisions-delegated': 'unchanged',
  'small-changes': 'unchanged',
  'review-within-day': 'unchanged',
  'deploy-any-day': { split: ['deploy-ordinary-day'] },
  'flaky-tests-fixed': 'unchanged',
  'outcome-checked': { split: ['shipped-checked'] },
  'coordination-direct': { split: ['interfaces-direct', 'urgent-work-starts'] },
};

/**
 * The spread words the item review banned: the 0–4 scale already says how widespread a practice
 * is ("partly in place" = some teams or some of the time), so a statement must not carry its own.
 */
const spreadWords = /\b(every|each|most|monthly|weekly|daily|at least|all|always|regularly|often)\b/i;

/**
 * Statements that contain "and" without asking two things: each entry says why it is one question.
 * Any other "and" in a v2 statement fails the test, so a new double-barrelled item is caught.
 */
const oneQuestionDespiteAnd: Record<string, string> = {
  'lead-direction': 'the "why" is part of the one written direction',
  'team-ai-policy': 'lists what the one policy covers',
  'team-review-generated': 'review and CI are the one gate every change passes',
  'org-baseline': 'examples of the one baseline',
  'ind-agent-limits': 'the two sides of one boundary (reliable / needs supervision)',
  'ind-task-framing': 'the parts of one task framing',
  'team-procedures': 'a procedure with its quality bar is one codified task',
  'outcome-ownership': 'setting and pursuing a goal is one act of ownership',
  'ctx-upkeep': 'context files and workflows are the one body of context',
  'bottleneck-agreed': 'the question is whether the two groups agree',
  'clear-requirements': 'the parts of one written requirement',
  'stream-mapped': 'one map records both times',
  'constraint-first': 'effort and budget are the one improvement investment',
  'deploy-safety-funded': 'the parts of one deploy-safety investment',
  'released-after-checks': 'review and CI are the condition, the question is the release queue',
};

const checkpointsOf = (d: Definition): PlacedCheckpoint[] => allCheckpoints(d);

describe('version 2 of the assessments', () => {
  it.each(versionTwos.map((d) => [d.id, d] as const))('%s v2 loads through loadDefinitions with lineage to v1', (_id, d) => {
    expect(d.version).toBe(2);
    expect(d.previousVersion).toBe(1);
    for (const c of [...allCheckpoints(d), ...allOutcomes(d)]) expect(c.lineage, c.id).toBeDefined();
  });

  it.each(versionTwos.map((d) => [d.id, d] as const))(
    '%s v2: every execution checkpoint says who owns it and what happens without it',
    (_id, d) => {
      const execution = checkpointsOf(d).filter((c) => c.part === 'execution');
      expect(execution.length).toBeGreaterThan(0);
      for (const c of execution) {
        expect(c.owner, c.id).not.toBeNull();
        expect(c.withoutThis?.length ?? 0, c.id).toBeGreaterThan(30);
      }
    },
  );

  it.each(versionTwos.map((d) => [d.id, d] as const))(
    '%s v2: every checkpoint and outcome signal tells a leader what in place looks like, the first step, and what done looks like',
    (_id, d) => {
      for (const c of checkpointsOf(d)) {
        expect(c.guidance.inPlace.length, c.id).toBeGreaterThan(30);
        expect(c.guidance.firstStep.length, c.id).toBeGreaterThan(30);
        expect(c.evidencePrompt?.length ?? 0, c.id).toBeGreaterThan(20);
        // shown as "what done looks like": a description of the evidence, not a question
        expect(c.evidencePrompt, c.id).not.toMatch(/\?\s*$/);
      }
      for (const o of allOutcomes(d)) {
        expect(o.guidance.measure.length, o.id).toBeGreaterThan(30);
        expect(o.guidance.firstStep.length, o.id).toBeGreaterThan(30);
        expect(o.evidencePrompt, o.id).not.toMatch(/\?\s*$/);
      }
    },
  );

  it.each(versionTwos.map((d) => [d.id, d] as const))(
    '%s v2: no statement carries its own spread word (the scale says how widespread)',
    (_id, d) => {
      const offenders = [...allCheckpoints(d), ...allOutcomes(d)]
        .filter((c) => spreadWords.test(c.statement))
        .map((c) => `${c.id}: ${c.statement}`);
      expect(offenders).toEqual([]);
    },
  );

  it.each(versionTwos.map((d) => [d.id, d] as const))('%s v2: statements ask one question each', (_id, d) => {
    const offenders = allCheckpoints(d)
      .filter((c) => /\band\b/i.test(c.statement) && !(c.id in oneQuestionDespiteAnd))
      .map((c) => `${c.id}: ${c.statement}`);
    expect(offenders).toEqual([]);
    // "rather than" turned metrics-system into two questions; no prerequisite may do it again
    const contrasted = d.phases.flatMap((p) => p.prerequisites).filter((c) => /rather than/i.test(c.statement));
    expect(contrasted.map((c) => c.id)).toEqual([]);
  });

  it('the list of "and" exceptions names only statements that still contain "and"', () => {
    const statements = new Map(versionTwos.flatMap((d) => allCheckpoints(d).map((c) => [c.id, c.statement] as const)));
    for (const id of Object.keys(oneQuestionDespiteAnd)) expect(statements.get(id), id).toMatch(/\band\b/i);
  });

  it.each([
    ['ai-native-maturity', maturity, maturityFates],
    ['delivery-bottleneck-check', delivery, deliveryFates],
  ] as const)('%s: every v1 checkpoint is accounted for in v2, as the fate table says', (_id, pair, expected) => {
    expect(Object.keys(expected).sort()).toEqual(answerableIds(pair.v1).sort());
    expect(fatesOf(pair.v1, pair.v2)).toEqual(expected);
  });

  it.each([
    ['ai-native-maturity', maturity],
    ['delivery-bottleneck-check', delivery],
  ] as const)('%s: unchanged checkpoints keep their v1 statement word for word; reworded ones do not', (_id, pair) => {
    const old = byId(pair.v1);
    for (const c of allCheckpoints(pair.v2)) {
      if (c.lineage?.kind === 'unchanged') expect(c.statement, c.id).toBe(old.get(c.id)?.statement);
      if (c.lineage?.kind === 'reworded') expect(c.statement, c.id).not.toBe(old.get(c.id)?.statement);
    }
  });

  it.each(versionTwos.map((d) => [d.id, d] as const))(
    '%s v2: every checkpoint has its own question to open the conversation, and every phase says what to pause',
    (_id, d) => {
      const questions = checkpointsOf(d).map((c) => [c.id, c.question ?? ''] as const);
      expect(questions.length).toBeGreaterThan(0);
      for (const [id, question] of questions) {
        expect(question, id).toMatch(/\?$/);
        expect(question.length, id).toBeLessThan(140);
      }
      // a question copied onto two checkpoints is generic text under another name
      const seen = new Map<string, string>();
      const repeated = questions.filter(([id, q]) => seen.has(q) || !seen.set(q, id)).map(([id]) => id);
      expect(repeated).toEqual([]);
      for (const phase of d.phases) expect(phase.pauseWhileBlocked?.length ?? 0, phase.id).toBeGreaterThan(40);
    },
  );

  it('every retired checkpoint gives a reason', () => {
    for (const d of versionTwos) for (const r of d.retired ?? []) expect(r.reason.length, r.id).toBeGreaterThan(40);
  });
});

describe('the AI-native maturity assessment v2', () => {
  const d = maturity.v2;

  it('is answerable in about a quarter of an hour: 40–49 items, 3–6 prerequisites per phase', () => {
    const items = answerableIds(d).length;
    expect(items).toBeGreaterThanOrEqual(40);
    expect(items).toBeLessThanOrEqual(49);
    for (const phase of d.phases) {
      expect(phase.prerequisites.length, phase.id).toBeGreaterThanOrEqual(3);
      expect(phase.prerequisites.length, phase.id).toBeLessThanOrEqual(6);
    }
  });

  it('has an execution checkpoint at every level in every phase', () => {
    for (const phase of d.phases) {
      expect(new Set(phase.execution.map((g) => g.level)), phase.id).toEqual(new Set(['individual', 'team', 'organisation']));
    }
  });

  it('leadership owns the prerequisites of phases 1–2, the frontline those of phase 3', () => {
    expect(d.phases.map((p) => [...new Set(p.prerequisites.map((r) => r.owner))])).toEqual([
      ['leadership'],
      ['leadership'],
      ['frontline'],
    ]);
  });

  it('reads change failure rate, rework, time to recover and incident frequency as outcome signals in phase 2, not as a practice', () => {
    const delivery = d.phases.find((p) => p.id === 'delivery');
    expect(delivery?.outcomes?.map((o) => o.id)).toEqual([
      'change-failure-rate',
      'rework-rate',
      'time-to-recover',
      'incident-frequency',
    ]);
    expect(d.retired?.map((r) => r.id)).toContain('quality-trend');
    expect(d.outcomeScale?.notMeasured.label).toBe('Not measured');
  });

  it('says "partly in place" means some teams or some of the time', () => {
    expect(d.scale.points.find((p) => p.label === 'Partly in place')?.description).toMatch(/some teams or some of the time/);
  });

  it('keeps the v1 thresholds and leaves the newer ones at their defaults', () => {
    expect(d.thresholds).toEqual(maturity.v1.thresholds);
  });
});

describe('the delivery bottleneck check v2', () => {
  const d = delivery.v2;
  const execution = checkpointsOf(d).filter((c) => c.part === 'execution');
  const declared = (d.bottlenecks ?? []).map((b) => b.id);

  it('declares the five typical bottlenecks', () => {
    expect(declared).toEqual(['unclear-what-to-build', 'after-done', 'deploy-fear', 'no-feedback', 'coordination']);
  });

  it('tags every execution checkpoint with a declared bottleneck', () => {
    for (const c of execution) expect(declared, c.id).toContain(c.indicates);
  });

  it.each(declared)('the bottleneck "%s" is indicated by at least two checkpoints', (bottleneck) => {
    expect(execution.filter((c) => c.indicates === bottleneck).length).toBeGreaterThanOrEqual(2);
  });

  it('asks about the queue after review and CI, generated code nobody understands, and work piling up', () => {
    const ids = new Set(execution.map((c) => c.id));
    for (const id of ['released-after-checks', 'generated-understood', 'pile-up-visible']) expect(ids, id).toContain(id);
  });

  it('reads lead time as an outcome signal', () => {
    expect(allOutcomes(d).map((o) => o.id)).toEqual(['lead-time-trend']);
  });

  it('keeps the v1 thresholds', () => {
    expect(d.thresholds).toEqual(delivery.v1.thresholds);
  });
});
