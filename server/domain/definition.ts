import { z } from 'zod';

/**
 * The shape of an assessment definition: the data under `assessments/`.
 * Every rule a definition must keep is here, so a bad file is refused at load
 * with the path of what is wrong.
 */

const slug = z
  .string()
  .regex(/^[a-z0-9]+(?:[-.][a-z0-9]+)*$/, 'use lower-case letters, digits, "-" and "."');

const text = z.string().trim().min(1);

export const checkpointLineageSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('new') }).strict(),
  z.object({ kind: z.literal('unchanged'), from: slug }).strict(),
  z.object({ kind: z.literal('reworded'), from: slug }).strict(),
  z.object({ kind: z.literal('split'), from: slug }).strict(),
]);
export type CheckpointLineage = z.infer<typeof checkpointLineageSchema>;

export const guidanceSchema = z
  .object({
    inPlace: text.describe('What it looks like when this is in place.'),
    firstStep: text.describe('The first concrete step to take when it is not.'),
  })
  .strict();

const checkpointFields = {
  id: slug.describe('Stable id: never reused for a different meaning, across versions.'),
  statement: text.describe('The statement a respondent rates.'),
  guidance: guidanceSchema,
  evidencePrompt: text.optional().describe('Optional prompt for an evidence note.'),
  lineage: checkpointLineageSchema
    .optional()
    .describe('Required when the definition has a previousVersion.'),
};

export const prerequisiteSchema = z
  .object({
    ...checkpointFields,
    owner: z.enum(['leadership', 'frontline']),
    withoutThis: text.describe('What happens when this prerequisite is missing.'),
  })
  .strict();
export type Prerequisite = z.infer<typeof prerequisiteSchema>;

export const executionLevels = ['individual', 'team', 'organisation'] as const;
export type ExecutionLevel = (typeof executionLevels)[number];

export const executionCheckpointSchema = z.object(checkpointFields).strict();
export type ExecutionCheckpoint = z.infer<typeof executionCheckpointSchema>;

export const executionGroupSchema = z
  .object({
    level: z.enum(executionLevels),
    checkpoints: z.array(executionCheckpointSchema).min(1),
  })
  .strict();

export const phaseSchema = z
  .object({
    id: slug,
    title: text,
    summary: text,
    withoutPrerequisites: text.describe('What the phase turns into when its prerequisites are missing.'),
    theaterSigns: text.describe('What execution running ahead of its prerequisites looks like here.'),
    prerequisites: z.array(prerequisiteSchema).min(1),
    execution: z.array(executionGroupSchema).min(1),
  })
  .strict();
export type Phase = z.infer<typeof phaseSchema>;

const percent = z.number().min(0).max(100);
const share = z.number().min(0).max(1);

export const thresholdsSchema = z
  .object({
    prerequisitesMet: percent.describe('Prerequisite score (0–100) at or above which prerequisites count as met.'),
    executionMet: percent.describe('Execution score (0–100) at or above which execution counts as met.'),
    theaterExecutionMin: percent.describe('Execution must be at least this to count as running ahead.'),
    theaterMargin: percent.describe('…and at least this many points above the prerequisite score.'),
    confidenceHigh: share.describe('Share of applicable checkpoints rated for high confidence.'),
    confidenceMedium: share.describe('Share of applicable checkpoints rated for medium confidence.'),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.confidenceMedium > t.confidenceHigh) {
      ctx.addIssue({ code: 'custom', path: ['confidenceMedium'], message: 'must not exceed confidenceHigh' });
    }
  });
export type Thresholds = z.infer<typeof thresholdsSchema>;

export const scaleSchema = z
  .object({
    min: z.number().int().min(0),
    max: z.number().int().max(10),
    points: z
      .array(z.object({ value: z.number().int(), label: text, description: text }).strict())
      .min(2),
    notApplicable: z.object({ label: text, description: text }).strict(),
    dontKnow: z.object({ label: text, description: text }).strict(),
  })
  .strict()
  .superRefine((scale, ctx) => {
    if (scale.max <= scale.min) {
      ctx.addIssue({ code: 'custom', path: ['max'], message: 'must be greater than min' });
      return;
    }
    const expected = scale.max - scale.min + 1;
    if (scale.points.length !== expected) {
      ctx.addIssue({
        code: 'custom',
        path: ['points'],
        message: `needs one point for each value from ${scale.min} to ${scale.max} (${expected}), found ${scale.points.length}`,
      });
      return;
    }
    scale.points.forEach((point, index) => {
      if (point.value !== scale.min + index) {
        ctx.addIssue({
          code: 'custom',
          path: ['points', index, 'value'],
          message: `expected ${scale.min + index}: points run from min to max in order`,
        });
      }
    });
  });
export type Scale = z.infer<typeof scaleSchema>;

export const definitionSchema = z
  .object({
    $schema: z.string().optional(),
    id: slug,
    version: z.number().int().min(1),
    previousVersion: z.number().int().min(1).optional(),
    title: text,
    summary: text,
    estimatedMinutes: z.number().int().min(1).max(120),
    scale: scaleSchema,
    thresholds: thresholdsSchema,
    phases: z.array(phaseSchema).min(1),
    retired: z
      .array(z.object({ id: slug, reason: text }).strict())
      .optional()
      .describe('Checkpoints of the previous version that this version no longer asks.'),
  })
  .strict()
  .superRefine((definition, ctx) => {
    if (definition.previousVersion !== undefined && definition.previousVersion >= definition.version) {
      ctx.addIssue({ code: 'custom', path: ['previousVersion'], message: 'must be lower than version' });
    }
    const seen = new Map<string, string>();
    const phaseIds = new Set<string>();
    definition.phases.forEach((phase, p) => {
      if (phaseIds.has(phase.id)) {
        ctx.addIssue({ code: 'custom', path: ['phases', p, 'id'], message: `duplicate phase id "${phase.id}"` });
      }
      phaseIds.add(phase.id);
      const visit = (id: string, path: (string | number)[], lineage: CheckpointLineage | undefined) => {
        const where = `phases.${path.join('.')}`;
        const earlier = seen.get(id);
        if (earlier) {
          ctx.addIssue({
            code: 'custom',
            path: ['phases', ...path, 'id'],
            message: `duplicate checkpoint id "${id}" (first used at ${earlier})`,
          });
        } else {
          seen.set(id, where);
        }
        if (definition.previousVersion !== undefined && lineage === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['phases', ...path, 'lineage'],
            message: 'every checkpoint must declare its lineage when previousVersion is set',
          });
        }
        if (definition.previousVersion === undefined && lineage && lineage.kind !== 'new') {
          ctx.addIssue({
            code: 'custom',
            path: ['phases', ...path, 'lineage'],
            message: 'lineage other than "new" needs a previousVersion',
          });
        }
      };
      phase.prerequisites.forEach((c, i) => visit(c.id, [p, 'prerequisites', i], c.lineage));
      phase.execution.forEach((group, g) =>
        group.checkpoints.forEach((c, i) => visit(c.id, [p, 'execution', g, 'checkpoints', i], c.lineage)),
      );
    });
    definition.retired?.forEach((r, i) => {
      if (seen.has(r.id)) {
        ctx.addIssue({ code: 'custom', path: ['retired', i, 'id'], message: `"${r.id}" is retired but still asked` });
      }
    });
  });

export type Definition = z.infer<typeof definitionSchema>;

export type CheckpointPart = 'prerequisites' | 'execution';

/** A checkpoint with where it sits in the definition: the flat view most code wants. */
export interface PlacedCheckpoint {
  id: string;
  statement: string;
  guidance: { inPlace: string; firstStep: string };
  evidencePrompt?: string;
  lineage?: CheckpointLineage;
  phaseId: string;
  phaseIndex: number;
  part: CheckpointPart;
  level: ExecutionLevel | null;
  owner: 'leadership' | 'frontline' | null;
  withoutThis: string | null;
}

export function phaseCheckpoints(phase: Phase, phaseIndex: number): PlacedCheckpoint[] {
  const prerequisites = phase.prerequisites.map<PlacedCheckpoint>((c) => ({
    id: c.id,
    statement: c.statement,
    guidance: c.guidance,
    evidencePrompt: c.evidencePrompt,
    lineage: c.lineage,
    phaseId: phase.id,
    phaseIndex,
    part: 'prerequisites',
    level: null,
    owner: c.owner,
    withoutThis: c.withoutThis,
  }));
  const execution = phase.execution.flatMap((group) =>
    group.checkpoints.map<PlacedCheckpoint>((c) => ({
      id: c.id,
      statement: c.statement,
      guidance: c.guidance,
      evidencePrompt: c.evidencePrompt,
      lineage: c.lineage,
      phaseId: phase.id,
      phaseIndex,
      part: 'execution',
      level: group.level,
      owner: null,
      withoutThis: null,
    })),
  );
  return [...prerequisites, ...execution];
}

export function allCheckpoints(definition: Definition): PlacedCheckpoint[] {
  return definition.phases.flatMap((phase, index) => phaseCheckpoints(phase, index));
}

/** The key a definition is known by: "<id>@<version>". */
export function definitionKey(definition: Pick<Definition, 'id' | 'version'>): string {
  return `${definition.id}@${definition.version}`;
}
