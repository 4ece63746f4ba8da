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
