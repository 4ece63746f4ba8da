import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDefinition } from '../../server/assessments/load.js';
import { tallyAnswers, type Answer } from '../../server/domain/answers.js';
import { allCheckpoints, answerableIds } from '../../server/domain/definition.js';
import { diagnose } from '../../server/domain/diagnostic.js';
import { resultsView } from '../../server/views/diagnostic-view.js';

/** The words a leader reads: true, not contradicting each other, and about the right people. */

const v2 = parseDefinition(
  'ai-native-maturity.v2.json',
  await readFile(path.resolve(import.meta.dirname, '../../assessments/ai-native-maturity.v2.json'), 'utf8'),
);
type Choice = number | 'dk' | 'na';
const answer = (v: Choice): Answer =>
  v === 'dk' ? { kind: 'dont_know' } : v === 'na' ? { kind: 'not_applicable' } : { kind: 'rating', value: v };
const ids = (phaseIndex: number, part: 'prerequisites' | 'execution') =>
  allCheckpoints(v2).filter((c) => c.phaseIndex === phaseIndex && c.part === part).map((c) => c.id);
const spec = (entries: [string[], Choice][]) => new Map(entries.flatMap(([list, v]) => list.map((id) => [id, answer(v)] as const)));
const view = (people: Map<string, Answer>[]) => resultsView(v2, diagnose(v2, tallyAnswers(answerableIds(v2), people), people.length));

describe('the results words', () => {
  it('an execution next constraint after missing prerequisites does not claim they are in place', () => {
    const r = view([spec([[ids(0, 'prerequisites'), 0], [ids(0, 'execution'), 2]])]);
    expect(r.constraint!.sentence).toContain('prerequisites are missing');
    expect(r.nextConstraint!.sentence).not.toContain('the prerequisites are in place, but');
    expect(r.nextConstraint!.sentence).toContain('once the prerequisites are in place');
  });

  it('an execution step says the later phases wait behind its practices, in whole words', () => {
    const r = view([spec([[ids(0, 'prerequisites'), 4], [ids(0, 'execution'), 1]])]);
    expect(r.constraint!.part).toBe('execution');
    expect(r.nextSteps[0]!.blocks).toBe('Phase 1 counts as achieved once its practices reach the mark at every level, and phases 2–3 wait behind them.');
  });

  it('a room that partly does not know is told how many, not "nobody"', () => {
    const people = [0, 1, 2, 3, 4, 5].map((i) =>
      spec([[ids(0, 'prerequisites'), 4], [ids(0, 'execution'), 4], [['lead-direction'], i < 2 ? 'dk' : 4]]),
    );
    const r = view(people);
    expect(r.constraint!.sentence).toContain('2 of 6 do not know whether this prerequisite is in place');
  });

  it('a find-out step asks for evidence instead of prescribing the fix', () => {
    const r = view([spec([[ids(0, 'prerequisites'), 4], [ids(0, 'execution'), 4], [['mgr-time'], 'dk']])]);
    const step = r.nextSteps[0]!;
    expect(step.kind).toBe('find-out');
    expect(step.action).toContain('Find out whether this is in place');
    expect(step.action).not.toContain(v2.phases[0]!.prerequisites.find((p) => p.id === 'mgr-time')!.guidance.firstStep);
    expect(step.why).toMatch(/^If it turns out not to be in place: /);
  });

  it('prerequisites in place with no practice rated: "executing" does not blame the teams', () => {
    const r = view([spec([[ids(0, 'prerequisites'), 4]])]);
    expect(r.phases[0]!.meaning).toContain('the practices have not been rated yet');
  });

  it('a flag about a group says "the group", not "you"', () => {
    const people = [0, 1, 2, 3, 4].map(() => spec([[ids(0, 'prerequisites'), 4], [ids(0, 'execution'), 3], [['ind-weekly-use'], 'dk']]));
    const r = view(people);
    expect(r.flags[0]!.sentence).toMatch(/^The group rates/);
  });
});
