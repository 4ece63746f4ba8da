import { z } from 'zod';
import { normaliseNote } from '../self-assessment/answer-form.js';

/** Request and response shapes of the JSON API: validated here, documented in /api/openapi.json. */

export const assessmentParams = z.object({ assessmentId: z.string().min(1) });
export const versionParams = assessmentParams.extend({ version: z.coerce.number().int().min(1) });
export const responseParams = z.object({ token: z.string() });
export const answerParams = responseParams.extend({ checkpointId: z.string().min(1) });

export const createResponseBody = z
  .object({
    assessmentId: z.string().min(1).describe('Assessment id, e.g. "ai-native-maturity".'),
    version: z.number().int().min(1).optional().describe('Defaults to the newest version.'),
  })
  .strict();

/** A random UUID (122 random bits): it is a credential, since a retry with it returns the private token. */
export const idempotencyKey = z.uuid({ version: 'v4', error: 'use a random (version 4) UUID' });

export const answerValue = z
  .union([z.number().int(), z.enum(['na', 'dontknow', 'worse', 'flat', 'better', 'notmeasured'])])
  .describe(
    'A checkpoint takes a point on the scale, "na" (not applicable) or "dontknow"; an outcome signal takes "worse", "flat", "better" or "notmeasured".',
  );

export const putAnswerBody = z
  .object({
    answer: answerValue.optional(),
    evidence: z
      .string()
      .transform(normaliseNote)
      .pipe(z.string().max(2000))
      .nullable()
      .optional()
      .describe('Evidence note (at most 2,000 characters); null or "" removes it.'),
  })
  .strict()
  .refine((b) => b.answer !== undefined || b.evidence !== undefined, {
    message: 'send an answer, an evidence note, or both',
  });

export const answerJson = z.object({
  checkpointId: z.string(),
  answer: answerValue,
  evidence: z.string().nullable(),
});

export const createdResponseJson = z.object({
  token: z.string().describe('The private token: keep it; it is the only key to this response.'),
  assessmentId: z.string(),
  version: z.number().int(),
  links: z.object({ page: z.string(), answers: z.string(), diagnostic: z.string(), export: z.string() }),
});

export const errorJson = z.object({
  error: z.object({
    status: z.number().int(),
    code: z.string(),
    message: z.string(),
    issues: z.array(z.object({ field: z.string(), message: z.string() })),
  }),
});

const confidenceJson = z.object({
  level: z.enum(['high', 'medium', 'low']),
  share: z.number().describe('Share (0–1) of applicable answers that are ratings.'),
  rated: z.number().int(),
  applicable: z.number().int(),
  dontKnow: z.number().int(),
  unanswered: z.number().int(),
});
const checkpointState = z.enum(['met', 'partial', 'missing', 'unknown', 'unanswered', 'not_applicable']);
const owner = z.enum(['leadership', 'managers', 'teams', 'individuals', 'frontline']);
const partJson = z.object({
  score: z.number().nullable().describe('0–100, the mean of the rated checkpoints: shown, never judged alone.'),
  verdict: z.enum(['met', 'not_met', 'no_evidence']),
  met: z.boolean(),
  reason: z
    .enum(['missing', 'unknown', 'unanswered', 'soft_spots', 'level_missing', 'practices_missing', 'below_target', 'thin_evidence', 'no_evidence'])
    .nullable()
    .describe('Why the part is not met, most serious first; null when met.'),
  confidence: confidenceJson,
  levels: z.array(z.object({ level: z.enum(['individual', 'team', 'organisation']), score: z.number().nullable(), inPlace: z.boolean() })),
  checkpoints: z.array(
    z.object({
      checkpointId: z.string(),
      level: z.enum(['individual', 'team', 'organisation']).nullable(),
      owner,
      score: z.number().nullable(),
      state: checkpointState,
    }),
  ),
});
const constraintJson = z
  .object({
    phaseId: z.string(),
    phaseNumber: z.number().int(),
    part: z.enum(['prerequisites', 'execution', 'outcomes']),
    reason: z.string(),
    sentence: z.string().nullable().describe('The constraint in plain words, naming its weakest checkpoints.'),
    missingLevels: z.array(z.string()),
    weakest: z.array(
      z.object({ checkpointId: z.string(), statement: z.string(), owner, score: z.number().nullable(), state: checkpointState }),
    ),
    worseningOutcomes: z.array(z.string()),
    confidence: confidenceJson,
  })
  .nullable();

/** The diagnostic as GET /api/responses/{token}/diagnostic returns it (a test keeps the two in step). */
export const diagnosticJsonSchema = z.object({
  assessment: z.object({ id: z.string(), version: z.number().int() }),
  verdict: z.enum(['diagnosed', 'no_evidence']).describe('"no_evidence" when nothing is rated: no stage, no constraint.'),
  stageReached: z.number().int().nullable(),
  stageTitle: z.string().nullable(),
  confidence: confidenceJson,
  constraint: constraintJson.describe('The principal constraint: the first unmet part, phases in order, prerequisites first.'),
  nextConstraint: constraintJson.describe('The next unmet part after the principal constraint.'),
  phases: z.array(
    z.object({
      id: z.string(),
      number: z.number().int(),
      title: z.string(),
      status: z.enum(['not_started', 'no_evidence', 'achieved', 'executing', 'theater', 'stalled']),
      counted: z.boolean().describe('False after the first phase not achieved: the status does not count towards the stage yet.'),
      label: z.string(),
      meaning: z.string(),
      prerequisites: partJson,
      execution: partJson,
      outcomes: z.array(
        z.object({
          outcomeId: z.string(),
          trend: z.enum(['worse', 'flat', 'better', 'mixed', 'not_measured', 'unanswered', 'not_applicable']),
          worse: z.number().int(),
          flat: z.number().int(),
          better: z.number().int(),
          notMeasured: z.number().int(),
        }),
      ),
      theater: z.object({ aheadOf: z.array(z.string()), worseningOutcomes: z.array(z.string()) }).nullable(),
      confidence: confidenceJson,
    }),
  ),
  nextSteps: z
    .array(
      z.object({
        checkpointId: z.string(),
        statement: z.string(),
        kind: z.enum(['act', 'find-out', 'answer', 'reconsider', 'investigate']),
        owner: owner.nullable(),
        ownerLabel: z.string(),
        action: z.string(),
        why: z.string(),
        done: z.string(),
        question: z.string(),
        pause: z.string(),
        blocks: z.string(),
      }),
    )
    .max(3),
  flags: z.array(
    z.object({
      kind: z.enum(['sure-but-unaware', 'later-ahead-of-missing', 'practice-versus-outcome', 'prerequisite-not-applicable', 'outcomes-not-measured']),
      checkpointIds: z.array(z.string()),
      sentence: z.string(),
    }),
  ),
  likelyBottleneck: z.object({ id: z.string(), title: z.string(), score: z.number().nullable() }).nullable(),
});
