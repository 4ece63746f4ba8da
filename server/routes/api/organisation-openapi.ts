import { z } from 'zod';

/** The organisation API's part of the OpenAPI document (read-only, bearer token of the organisation). */
export function organisationPaths(
  json: (s: z.ZodType, description: string) => unknown,
  problem: (description: string) => unknown,
) {
  const security = [{ organisationToken: [] }];
  const organisationId = { name: 'organisationId', in: 'path', required: true, description: 'The organisation.', schema: { type: 'string', format: 'uuid' } };
  const roundId = { name: 'roundId', in: 'path', required: true, description: 'A round of the organisation.', schema: { type: 'string', format: 'uuid' } };
  const phase = z.object({ phase: z.string(), title: z.string(), status: z.string(), statusLabel: z.string(), score: z.number().nullable() });
  const results = z.object({
    round: z.string(),
    assessment: z.string(),
    minimum: z.number().int(),
    teams: z.array(z.object({ teamId: z.string(), team: z.string(), respondents: z.number().int(), phases: z.array(phase) })),
  });
  const round = z.object({
    id: z.string(),
    label: z.string(),
    status: z.enum(['open', 'closed']),
    assessment: z.string(),
    anonymityMinimum: z.number().int(),
    openedAt: z.string(),
    closedAt: z.string().nullable(),
    links: z.record(z.string(), z.string()),
  });
  const answers = z.object({
    round: z.string(),
    assessment: z.string(),
    answers: z.array(z.object({ participant: z.string(), team: z.string(), checkpoint: z.string(), answer: z.string() })),
  });
  const denied = { 401: problem('No token, a wrong or revoked one, or one of another organisation') };
  return {
    '/api/organisations/{organisationId}/rounds': {
      get: {
        operationId: 'listRounds',
        summary: "An organisation's rounds, newest first, with links to closed rounds' results and answers",
        security,
        parameters: [organisationId],
        responses: { 200: json(z.object({ rounds: z.array(round) }), 'Rounds'), ...denied },
      },
    },
    '/api/organisations/{organisationId}/rounds/{roundId}/results': {
      get: {
        operationId: 'getRoundResults',
        summary: "A closed round's results per team: people, and status and score per phase (teams below the minimum, or revealing one by subtraction, are left out)",
        security,
        parameters: [organisationId, roundId],
        responses: { 200: json(results, 'Results'), ...denied, 404: problem('No such round'), 409: problem('The round is still open') },
      },
    },
    '/api/organisations/{organisationId}/rounds/{roundId}/answers.csv': {
      get: {
        operationId: 'exportRoundAnswersCsv',
        summary: "A closed round's anonymous answers as CSV, streamed (participant codes fresh in every export; each answer under the deepest team shown)",
        security,
        parameters: [organisationId, roundId],
        responses: { 200: { description: 'CSV: participant, team, checkpoint, answer', content: { 'text/csv': {} } }, ...denied, 404: problem('No such round'), 409: problem('The round is still open') },
      },
    },
    '/api/organisations/{organisationId}/rounds/{roundId}/answers.json': {
      get: {
        operationId: 'exportRoundAnswersJson',
        summary: "A closed round's anonymous answers as JSON, streamed",
        security,
        parameters: [organisationId, roundId],
        responses: { 200: json(answers, 'Answers'), ...denied, 404: problem('No such round'), 409: problem('The round is still open') },
      },
    },
  };
}
