import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkLineage,
  DefinitionError,
  definitionJsonSchema,
  loadDefinitions,
  parseDefinition,
} from '../../server/assessments/load.js';
import { allCheckpoints, definitionSchema, type Definition } from '../../server/domain/definition.js';
import { fixtureDefinitionInput } from '../fixtures/definition.js';

const folder = path.resolve(import.meta.dirname, '../../assessments');
const files = (await readdir(folder)).filter((f) => f.endsWith('.json'));

const clone = () => structuredClone(fixtureDefinitionInput) as any;
const problemsOf = (file: string, input: unknown): string[] => {
  try {
    parseDefinition(file, JSON.stringify(input));
  } catch (error) {
    expect(error).toBeInstanceOf(DefinitionError);
    expect((error as Error).message).toContain(file);
    return (error as DefinitionError).problems;
  }
  throw new Error('expected the definition to be refused');
};

describe.each(files)('the published definition %s', (file) => {
  it('loads, and its checkpoints are concrete and complete', async () => {
    const definition = parseDefinition(file, await readFile(path.join(folder, file), 'utf8'));
    const checkpoints = allCheckpoints(definition);
    expect(new Set(checkpoints.map((c) => c.id)).size).toBe(checkpoints.length);
    for (const c of checkpoints) {
      expect(c.statement.length, c.id).toBeGreaterThan(20);
      expect(c.guidance.inPlace.length, c.id).toBeGreaterThan(20);
      expect(c.guidance.firstStep.length, c.id).toBeGreaterThan(20);
    }
    for (const phase of definition.phases) {
      expect(phase.prerequisites.length, phase.id).toBeGreaterThan(0);
      expect(phase.execution.length, phase.id).toBeGreaterThan(0);
    }
  });
});

describe('the AI-native maturity assessment v1', () => {
  it('has three phases, leadership prerequisites in phases 1–2, frontline in phase 3, and 30–45 checkpoints', async () => {
    const [definition] = (await loadDefinitions(folder)).filter((d) => d.id === 'ai-native-maturity' && d.version === 1);
    expect(definition).toBeDefined();
    const d = definition as Definition;
    expect(d.phases).toHaveLength(3);
    expect(d.phases.map((p) => new Set(p.prerequisites.map((r) => r.owner)))).toEqual([
      new Set(['leadership']),
      new Set(['leadership']),
      new Set(['frontline']),
    ]);
    const levels = new Set(d.phases.flatMap((p) => p.execution.map((g) => g.level)));
    expect(levels).toEqual(new Set(['individual', 'team', 'organisation']));
    const count = allCheckpoints(d).length;
    expect(count).toBeGreaterThanOrEqual(30);
    expect(count).toBeLessThanOrEqual(45);
  });
});

describe('loading refuses a bad definition, naming the file and the path', () => {
  const file = 'fixture.v1.json';

  it('duplicate checkpoint ids', () => {
    const input = clone();
    input.phases[1].execution[0].checkpoints[0].id = 'f.p1';
    expect(problemsOf(file, input)).toEqual([
      'phases.1.execution.0.checkpoints.0.id: duplicate checkpoint id "f.p1" (first used at phases.0.prerequisites.0)',
    ]);
  });

  it('a scale whose points do not run from min to max', () => {
    const input = clone();
    input.scale.points.pop();
    expect(problemsOf(file, input)).toEqual(['scale.points: needs one point for each value from 0 to 4 (5), found 4']);
  });

  it('a scale with max not above min', () => {
    const input = clone();
    input.scale.max = 0;
    expect(problemsOf(file, input)).toEqual(['scale.max: must be greater than min']);
  });

  it('a prerequisite without its owner, and an unknown field', () => {
    const input = clone();
    delete input.phases[0].prerequisites[1].owner;
    input.phases[0].colour = 'red';
    const problems = problemsOf(file, input);
    expect(problems).toContainEqual(expect.stringMatching(/^phases\.0\.prerequisites\.1\.owner: /));
    expect(problems).toContainEqual(expect.stringMatching(/^phases\.0: .*colour/));
  });

  it('not JSON at all', () => {
    expect(() => parseDefinition(file, '{ nope')).toThrow(/fixture\.v1\.json[\s\S]*not valid JSON/);
  });

  it('a file name that does not match id and version', () => {
    expect(problemsOf('other.v2.json', clone())).toEqual([
      '(root): a definition with this id and version must be named fixture.v1.json',
    ]);
  });
});

describe('lineage across versions', () => {
  const v1 = definitionSchema.parse(clone());
  const v2Input = () => {
    const input = clone();
    input.version = 2;
    input.previousVersion = 1;
    for (const phase of input.phases) {
      for (const c of phase.prerequisites) c.lineage = { kind: 'unchanged', from: c.id };
      for (const g of phase.execution) for (const c of g.checkpoints) c.lineage = { kind: 'unchanged', from: c.id };
      for (const c of phase.outcomes ?? []) c.lineage = { kind: 'unchanged', from: c.id };
    }
    return input;
  };
  const entries = (v2: unknown) => [
    { file: 'fixture.v1.json', definition: v1 },
    { file: 'fixture.v2.json', definition: definitionSchema.parse(v2) },
  ];

  it('accepts unchanged, reworded, split and retired checkpoints', () => {
    const input = v2Input();
    input.phases[0].prerequisites[0].statement = 'Reworded';
    input.phases[0].prerequisites[0].lineage = { kind: 'reworded', from: 'f.p1' };
    const split = input.phases[0].execution[1].checkpoints[0];
    split.id = 'f.e3a';
    split.lineage = { kind: 'split', from: 'f.e3' };
    input.phases[0].execution[1].checkpoints.push({ ...split, id: 'f.e3b' });
    input.phases[2].execution[1].checkpoints = [
      { id: 'p.new', statement: 'New', guidance: { inPlace: 'x', firstStep: 'y' }, lineage: { kind: 'new' } },
    ];
    input.retired = [{ id: 'p.e3', reason: 'merged into p.new' }];
    expect(() => checkLineage(entries(input))).not.toThrow();
  });

  it('refuses an unknown lineage target', () => {
    const input = v2Input();
    input.phases[0].prerequisites[0].lineage = { kind: 'reworded', from: 'f.p9' };
    expect(() => checkLineage(entries(input))).toThrow(
      /fixture\.v2\.json[\s\S]*phases\.0\.prerequisites\.0\.lineage\.from: unknown checkpoint "f\.p9" in version 1/,
    );
  });

  it('refuses a checkpoint of the previous version that silently disappears', () => {
    const input = v2Input();
    input.phases[0].execution[1].checkpoints[0].id = 'f.other';
    input.phases[0].execution[1].checkpoints[0].lineage = { kind: 'new' };
    expect(() => checkLineage(entries(input))).toThrow(/"f\.e3" from version 1 is neither kept, split nor retired/);
  });

  it('requires lineage on every checkpoint of a later version', () => {
    const input = v2Input();
    delete input.phases[0].prerequisites[0].lineage;
    expect(() => parseDefinition('fixture.v2.json', JSON.stringify(input))).toThrow(
      /phases\.0\.prerequisites\.0\.lineage: every checkpoint must declare its lineage/,
    );
  });
});

describe('the JSON Schema for authors', () => {
  it('is generated from the zod schema and committed up to date (run `npm run schema`)', async () => {
    const committed = JSON.parse(await readFile(path.join(folder, 'schema/definition.schema.json'), 'utf8'));
    expect(committed).toEqual(definitionJsonSchema());
  });
});
