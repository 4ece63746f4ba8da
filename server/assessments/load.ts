import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { allCheckpoints, answerableIds, definitionKey, definitionSchema, type Definition } from '../domain/definition.js';
import { buildRegistry, type AssessmentRegistry } from './registry.js';

export class DefinitionError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`Invalid assessment definition ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'DefinitionError';
  }
}

function jsonPath(segments: readonly PropertyKey[]): string {
  return segments.length === 0 ? '(root)' : segments.map(String).join('.');
}

/** Parse one definition file's text; errors name the file and the JSON path at fault. */
export function parseDefinition(file: string, source: string): Definition {
  let raw: unknown;
  try {
    raw = JSON.parse(source);
  } catch (error) {
    throw new DefinitionError(file, [`not valid JSON: ${(error as Error).message}`]);
  }
  const parsed = definitionSchema.safeParse(raw);
  if (!parsed.success) {
    throw new DefinitionError(
      file,
      parsed.error.issues.map((issue) => `${jsonPath(issue.path)}: ${issue.message}`),
    );
  }
  const expectedName = `${parsed.data.id}.v${parsed.data.version}.json`;
  if (path.basename(file) !== expectedName) {
    throw new DefinitionError(file, [`(root): a definition with this id and version must be named ${expectedName}`]);
  }
  return parsed.data;
}

/**
 * Checks that span files: one file per id and version, and every lineage
 * target exists in the version it points back to.
 */
export function checkLineage(entries: readonly { file: string; definition: Definition }[]): void {
  const byKey = new Map<string, { file: string; definition: Definition }>();
  for (const entry of entries) {
    const key = definitionKey(entry.definition);
    const other = byKey.get(key);
    if (other) throw new DefinitionError(entry.file, [`(root): ${key} is already defined in ${other.file}`]);
    byKey.set(key, entry);
  }
  for (const { file, definition } of entries) {
    if (definition.previousVersion === undefined) continue;
    const previous = byKey.get(`${definition.id}@${definition.previousVersion}`);
    if (!previous) {
      throw new DefinitionError(file, [
        `previousVersion: no file defines ${definition.id} version ${definition.previousVersion}`,
      ]);
    }
    const previousIds = new Set(answerableIds(previous.definition));
    const currentIds = new Set(answerableIds(definition));
    const problems: string[] = [];
    definition.phases.forEach((phase, p) => {
      const check = (id: string, lineage: Definition['phases'][number]['prerequisites'][number]['lineage'], where: string) => {
        if (!lineage || lineage.kind === 'new') {
          if (previousIds.has(id)) problems.push(`${where}.lineage: "${id}" exists in version ${definition.previousVersion}, so it cannot be new`);
          return;
        }
        if (!previousIds.has(lineage.from)) {
          problems.push(`${where}.lineage.from: unknown checkpoint "${lineage.from}" in version ${definition.previousVersion}`);
        }
        if ((lineage.kind === 'unchanged' || lineage.kind === 'reworded') && lineage.from !== id) {
          problems.push(`${where}.lineage: an ${lineage.kind} checkpoint keeps its id ("${lineage.from}")`);
        }
      };
      phase.prerequisites.forEach((c, i) => check(c.id, c.lineage, `phases.${p}.prerequisites.${i}`));
      phase.execution.forEach((g, gi) =>
        g.checkpoints.forEach((c, i) => check(c.id, c.lineage, `phases.${p}.execution.${gi}.checkpoints.${i}`)),
      );
      phase.outcomes?.forEach((c, i) => check(c.id, c.lineage, `phases.${p}.outcomes.${i}`));
    });
    const retired = new Set((definition.retired ?? []).map((r) => r.id));
    const splitSources = new Set(
      allCheckpoints(definition).flatMap((c) => (c.lineage?.kind === 'split' ? [c.lineage.from] : [])),
    );
    (definition.retired ?? []).forEach((r, i) => {
      if (!previousIds.has(r.id)) problems.push(`retired.${i}.id: unknown checkpoint "${r.id}" in version ${definition.previousVersion}`);
    });
    for (const id of previousIds) {
      if (!currentIds.has(id) && !retired.has(id) && !splitSources.has(id)) {
        problems.push(`retired: "${id}" from version ${definition.previousVersion} is neither kept, split nor retired`);
      }
    }
    if (problems.length > 0) throw new DefinitionError(file, problems);
  }
}

/** Load every `*.json` definition in a folder (not its sub-folders). */
export async function loadDefinitions(folder: string): Promise<Definition[]> {
  const names = (await readdir(folder)).filter((name) => name.endsWith('.json')).sort();
  const entries = await Promise.all(
    names.map(async (name) => {
      const file = path.join(folder, name);
      return { file, definition: parseDefinition(file, await readFile(file, 'utf8')) };
    }),
  );
  if (entries.length === 0) throw new DefinitionError(folder, ['no assessment definitions (*.json) found']);
  checkLineage(entries);
  return entries.map((e) => e.definition);
}

export async function loadRegistry(folder: string): Promise<AssessmentRegistry> {
  return buildRegistry(await loadDefinitions(folder));
}

export function definitionJsonSchema(): unknown {
  return z.toJSONSchema(definitionSchema, { io: 'input' });
}
