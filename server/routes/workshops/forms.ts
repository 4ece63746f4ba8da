import { z } from 'zod';
import { absoluteMinimum } from '../../domain/anonymity.js';

/** The coach's forms, parsed with zod: each error message is what the page shows beside the field. */

/** Text as stored: browser line breaks as "\n", no NUL characters (PostgreSQL cannot store them). */
const cleanText = (max: number, tooLong: string) =>
  z.string().transform((v) => v.replace(/\r\n?/g, '\n').replaceAll('\u0000', '').trim()).pipe(z.string().max(max, tooLong));

export const newWorkshopForm = z.object({
  title: cleanText(200, 'Keep the title under 200 characters.').pipe(z.string().min(1, 'Give the workshop a title.')),
  assessment: z.string().regex(/^[a-z0-9.-]+@\d+$/, 'Choose an assessment.'),
  roles: z.preprocess(
    (r) => (r === undefined ? [] : Array.isArray(r) ? r : [r]),
    z.array(z.enum(['leader', 'team_member'], { error: 'Offer leaders, team members or both.' })).min(1, 'Offer at least one role.'),
  ),
  minimum: z.coerce
    .number({ error: 'Enter a whole number.' })
    .int('Enter a whole number.')
    .min(absoluteMinimum, `The minimum is never below ${absoluteMinimum}.`)
    .max(50, 'Keep the minimum at 50 or below.'),
  expected: z
    .string()
    .default('')
    .transform((v) => v.trim())
    .transform((v) => (v === '' ? null : Number(v)))
    .pipe(z.number({ error: 'Enter a whole number, or leave it empty.' }).int('Enter a whole number, or leave it empty.').positive('Enter a number above 0.').max(5000).nullable()),
  leadersOnRecord: z.preprocess((v) => v === 'yes', z.boolean()),
});

export const consensusForm = z.object({
  answer: z.string({ error: 'Choose one of the options listed.' }),
  dissent: cleanText(2000, 'Keep the dissent note under 2,000 characters.').default(''),
});

export const actionForm = z.object({
  checkpoint: z.string().min(1, 'Choose the checkpoint this action works on.'),
  title: cleanText(300, 'Keep it under 300 characters.').pipe(z.string().min(1, 'Say what will be done.')),
  owner: cleanText(120, 'Keep the name under 120 characters.').pipe(z.string().min(1, 'Name who owns it.')),
  due: z.string().default(''),
  // A retried post carries the same key; anything odd is simply not used for de-duplication.
  key: z.string().max(64).optional().catch(undefined),
});

export type FormErrors = Record<string, string>;
export const errorsOf = (error: z.ZodError): FormErrors =>
  Object.fromEntries(error.issues.map((i) => [String(i.path[0] ?? 'form'), i.message]));

