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
  evidencePrompt: text.optional().describe('Optional prompt for an evidence note; results show it as what "done" looks like.'),
  question: text
    .optional()
    .describe('One question that opens the conversation about this checkpoint when it is a next step.'),
  lineage: checkpointLineageSchema
    .optional()
    .describe('Required when the definition has a previousVersion.'),
};

/**
 * Who moves a checkpoint: leadership (directors, VPs), engineering managers and tech leads, the
 * teams, each engineer, or the frontline as a whole (phase 3's mindset, which nobody can order).
 */
export const owners = ['leadership', 'managers', 'teams', 'individuals', 'frontline'] as const;
export type Owner = (typeof owners)[number];

export const prerequisiteSchema = z
  .object({
    ...checkpointFields,
    owner: z.enum(owners),
    withoutThis: text.describe('What happens when this prerequisite is missing.'),
  })
  .strict();
export type Prerequisite = z.infer<typeof prerequisiteSchema>;

export const executionLevels = ['individual', 'team', 'organisation'] as const;
export type ExecutionLevel = (typeof executionLevels)[number];

export const executionCheckpointSchema = z
  .object({
    ...checkpointFields,
    owner: z.enum(owners).optional().describe('Who moves this checkpoint (required from version 2 of a definition).'),
    withoutThis: text.optional().describe('What happens while this practice is missing.'),
    indicates: slug.optional().describe('The bottleneck (an id in `bottlenecks`) that a low rating here points to.'),
  })
  .strict();
export type ExecutionCheckpoint = z.infer<typeof executionCheckpointSchema>;

export const executionGroupSchema = z
  .object({
    level: z.enum(executionLevels),
    checkpoints: z.array(executionCheckpointSchema).min(1),
  })
  .strict();

/**
 * An outcome signal: a system-level measure (change failure rate, rework, time to recover…) that is
 * not a practice. It is answered with a direction (getting worse / flat / better / not measured), not
 * on the practice scale, and never scored: practices improving while an outcome gets worse is output
 * theater.
 */
export const outcomeSignalSchema = z
  .object({
    id: slug.describe('Stable id: never reused for a different meaning, across versions.'),
    statement: text.describe('The measure, as a respondent reads it ("Change failure rate over the last two quarters").'),
    guidance: z
      .object({
        measure: text.describe('How to read the measure and where the figure usually lives.'),
        firstStep: text.describe('The first step when it is not measured.'),
      })
      .strict(),
    withoutThis: text.describe('What it means when this signal gets worse while practices improve.'),
    owner: z.enum(owners),
    evidencePrompt: text.optional(),
    lineage: checkpointLineageSchema.optional(),
  })
  .strict();
export type OutcomeSignal = z.infer<typeof outcomeSignalSchema>;

/** The fixed answers to an outcome signal, labelled by the definition. */
export const outcomeTrends = ['worse', 'flat', 'better'] as const;
export type OutcomeTrend = (typeof outcomeTrends)[number];

export const outcomeScaleSchema = z
  .object({
    worse: z.object({ label: text, description: text }).strict(),
    flat: z.object({ label: text, description: text }).strict(),
    better: z.object({ label: text, description: text }).strict(),
    notMeasured: z.object({ label: text, description: text }).strict(),
  })
  .strict();

export const bottleneckSchema = z
  .object({
    id: slug,
    title: text.describe('The bottleneck in a few words ("Deploy fear").'),
    description: text.describe('What it looks like when this is the constraint.'),
    firstMove: text.describe('The first move when this is the most likely bottleneck.'),
  })
  .strict();
export type Bottleneck = z.infer<typeof bottleneckSchema>;

export const phaseSchema = z
  .object({
    id: slug,
    title: text,
    summary: text,
    withoutPrerequisites: text.describe('What the phase turns into when its prerequisites are missing.'),
    theaterSigns: text.describe('What execution running ahead of its prerequisites looks like here.'),
    pauseWhileBlocked: text
      .optional()
      .describe('What to pause while this phase is the constraint (it would run ahead of what is missing).'),
    prerequisites: z.array(prerequisiteSchema).min(1),
    execution: z.array(executionGroupSchema).min(1),
    outcomes: z.array(outcomeSignalSchema).optional().describe('Outcome signals read beside the practices.'),
  })
  .strict();
export type Phase = z.infer<typeof phaseSchema>;

const percent = z.number().min(0).max(100);
const share = z.number().min(0).max(1);

export const thresholdsSchema = z
  .object({
    prerequisitesMet: percent.describe(
      'Kept for version 1 files; no longer a verdict: prerequisites are all required (see partlyInPlace, mostlyInPlace, softSpotsAllowed), never judged on their mean.',
    ),
    executionMet: percent.describe('Execution score (0–100) at or above which execution counts as met.'),
    theaterExecutionMin: percent.describe(
      'Execution must be at least this to count as running ahead; never below partlyInPlace (execution must be at least partly in place).',
    ),
    theaterMargin: percent.describe('…and at least this many points above the prerequisite score.'),
    confidenceHigh: share.describe('Share of applicable checkpoints rated for high confidence.'),
    confidenceMedium: share.describe('Share of applicable checkpoints rated for medium confidence.'),
    partlyInPlace: percent
      .default(50)
      .describe('Checkpoint score (0–100) at which it counts as at least partly in place: every prerequisite, every execution level and running-ahead execution must reach it.'),
    mostlyInPlace: percent
      .default(75)
      .describe('Checkpoint score (0–100) at which it counts as mostly in place.'),
    softSpotsAllowed: z
      .number()
      .int()
      .min(0)
      .default(1)
      .describe('How many prerequisites may sit between partly and mostly in place while the part is still met.'),
    findOutShare: share
      .default(0.3)
      .describe('Share of "don\'t know" among the applicable answers to a prerequisite at which not knowing keeps the part open (one respondent: any "don\'t know").'),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.confidenceMedium > t.confidenceHigh) {
      ctx.addIssue({ code: 'custom', path: ['confidenceMedium'], message: 'must not exceed confidenceHigh' });
    }
    if (t.partlyInPlace > t.mostlyInPlace) {
      ctx.addIssue({ code: 'custom', path: ['partlyInPlace'], message: 'must not exceed mostlyInPlace' });
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
    outcomeScale: outcomeScaleSchema.optional().describe('Labels for outcome signal answers; required when a phase has outcomes.'),
    bottlenecks: z
      .array(bottleneckSchema)
      .optional()
      .describe('Typical bottlenecks that execution checkpoints can point to (`indicates`); the result names the most likely one.'),
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
    const bottleneckIds = new Set((definition.bottlenecks ?? []).map((b) => b.id));
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
        group.checkpoints.forEach((c, i) => {
          visit(c.id, [p, 'execution', g, 'checkpoints', i], c.lineage);
          if (c.indicates !== undefined && !bottleneckIds.has(c.indicates)) {
            ctx.addIssue({
              code: 'custom',
              path: ['phases', p, 'execution', g, 'checkpoints', i, 'indicates'],
              message: `unknown bottleneck "${c.indicates}" (declare it in bottlenecks)`,
            });
          }
        }),
      );
      phase.outcomes?.forEach((c, i) => visit(c.id, [p, 'outcomes', i], c.lineage));
      if (phase.outcomes?.length && !definition.outcomeScale) {
        ctx.addIssue({ code: 'custom', path: ['outcomeScale'], message: 'required when a phase has outcome signals' });
      }
    });
    definition.retired?.forEach((r, i) => {
      if (seen.has(r.id)) {
        ctx.addIssue({ code: 'custom', path: ['retired', i, 'id'], message: `"${r.id}" is retired but still asked` });
      }
    });
  });

export type Definition = z.infer<typeof definitionSchema>;

/** The scored parts of a phase. Outcome signals sit beside them, never scored. */
export type CheckpointPart = 'prerequisites' | 'execution';

/** A checkpoint with where it sits in the definition: the flat view most code wants. */
export interface PlacedCheckpoint {
  id: string;
  statement: string;
  guidance: { inPlace: string; firstStep: string };
  evidencePrompt?: string;
  question?: string;
  lineage?: CheckpointLineage;
  phaseId: string;
  phaseIndex: number;
  part: CheckpointPart;
  level: ExecutionLevel | null;
  owner: Owner | null;
  withoutThis: string | null;
  /** The bottleneck a low rating points to (execution checkpoints of definitions that declare them). */
  indicates: string | null;
}

/** An outcome signal with where it sits in the definition. */
export interface PlacedOutcome {
  id: string;
  statement: string;
  guidance: { measure: string; firstStep: string };
  evidencePrompt?: string;
  lineage?: CheckpointLineage;
  phaseId: string;
  phaseIndex: number;
  part: 'outcomes';
  level: null;
  owner: Owner;
  withoutThis: string;
}

/** Anything a respondent answers: a scored checkpoint or an outcome signal (told apart by `part`). */
export type PlacedQuestion = PlacedCheckpoint | PlacedOutcome;

export function phaseCheckpoints(phase: Phase, phaseIndex: number): PlacedCheckpoint[] {
  const prerequisites = phase.prerequisites.map<PlacedCheckpoint>((c) => ({
    id: c.id,
    statement: c.statement,
    guidance: c.guidance,
    evidencePrompt: c.evidencePrompt,
    question: c.question,
    lineage: c.lineage,
    phaseId: phase.id,
    phaseIndex,
    part: 'prerequisites',
    level: null,
    owner: c.owner,
    withoutThis: c.withoutThis,
    indicates: null,
  }));
  const execution = phase.execution.flatMap((group) =>
    group.checkpoints.map<PlacedCheckpoint>((c) => ({
      id: c.id,
      statement: c.statement,
      guidance: c.guidance,
      evidencePrompt: c.evidencePrompt,
      question: c.question,
      lineage: c.lineage,
      phaseId: phase.id,
      phaseIndex,
      part: 'execution',
      level: group.level,
      owner: c.owner ?? null,
      withoutThis: c.withoutThis ?? null,
      indicates: c.indicates ?? null,
    })),
  );
  return [...prerequisites, ...execution];
}

/** Every scored checkpoint (prerequisites and execution), in walk order. */
export function allCheckpoints(definition: Definition): PlacedCheckpoint[] {
  return definition.phases.flatMap((phase, index) => phaseCheckpoints(phase, index));
}

export function phaseOutcomes(phase: Phase, phaseIndex: number): PlacedOutcome[] {
  return (phase.outcomes ?? []).map((o) => ({
    id: o.id,
    statement: o.statement,
    guidance: o.guidance,
    evidencePrompt: o.evidencePrompt,
    lineage: o.lineage,
    phaseId: phase.id,
    phaseIndex,
    part: 'outcomes',
    level: null,
    owner: o.owner,
    withoutThis: o.withoutThis,
  }));
}

export function allOutcomes(definition: Definition): PlacedOutcome[] {
  return definition.phases.flatMap((phase, index) => phaseOutcomes(phase, index));
}

/** What a respondent answers in a phase: its checkpoints, then its outcome signals. */
export function phaseQuestions(phase: Phase, phaseIndex: number): PlacedQuestion[] {
  return [...phaseCheckpoints(phase, phaseIndex), ...phaseOutcomes(phase, phaseIndex)];
}

/** Everything a respondent answers, phase by phase. */
export function allQuestions(definition: Definition): PlacedQuestion[] {
  return definition.phases.flatMap((phase, index) => phaseQuestions(phase, index));
}

/** The ids of everything a respondent answers: scored checkpoints and outcome signals. */
export function answerableIds(definition: Definition): string[] {
  return allQuestions(definition).map((c) => c.id);
}

/** The key a definition is known by: "<id>@<version>". */
export function definitionKey(definition: Pick<Definition, 'id' | 'version'>): string {
  return `${definition.id}@${definition.version}`;
}
