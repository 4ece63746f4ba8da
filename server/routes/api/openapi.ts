import { z } from 'zod';
import { definitionSchema } from '../../domain/definition.js';
import { answerJson, createResponseBody, createdResponseJson, diagnosticJsonSchema, errorJson, putAnswerBody } from './schemas.js';

const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'output', unrepresentable: 'any' });
const inputSchema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });

const json = (s: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema: schema(s) } } });
const problem = (description: string) => json(errorJson, description);
const tokenParam = {
  name: 'token',
  in: 'path',
  required: true,
  description: 'The private token of a response (43 characters, base64url).',
  schema: { type: 'string' },
};

let document: unknown;

/** The API's OpenAPI 3.1 document, built once from the same zod schemas that validate requests. */
export function openApiDocument(): unknown {
  document ??= {
    openapi: '3.1.0',
    info: {
      title: 'Stallpoint API',
      version: '1',
      description:
        'Assessments, responses, answers and the diagnostic. A response is reached only through its private token: keep it secret. Errors are JSON: {"error":{"status","code","message","issues":[{"field","message"}]}}.',
    },
    paths: {
      '/api/assessments': {
        get: { summary: 'List published assessments (newest version of each)', responses: { 200: { description: 'Assessments' } } },
      },
      '/api/assessments/{assessmentId}': {
        get: {
          summary: 'Get the newest version of an assessment definition',
          parameters: [{ name: 'assessmentId', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { 200: json(definitionSchema, 'The definition'), 404: problem('No such assessment') },
        },
      },
      '/api/assessments/{assessmentId}/versions/{version}': {
        get: {
          summary: 'Get one version of an assessment definition',
          parameters: [
            { name: 'assessmentId', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'version', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } },
          ],
          responses: { 200: json(definitionSchema, 'The definition'), 404: problem('No such version') },
        },
      },
      '/api/responses': {
        post: {
          summary: 'Start a response',
          description:
            'Send an Idempotency-Key (a random UUID) to make retries safe: the same key returns the same response and token (200 instead of 201).',
          parameters: [
            { name: 'Idempotency-Key', in: 'header', required: false, description: 'A random (version 4) UUID. Treat it as a secret: a retry with it returns the private token.', schema: { type: 'string', format: 'uuid' } },
          ],
          requestBody: { required: true, content: { 'application/json': { schema: inputSchema(createResponseBody) } } },
          responses: {
            201: json(createdResponseJson, 'Created'),
            200: json(createdResponseJson, 'Already created by an earlier request with this Idempotency-Key'),
            400: problem('Invalid body or Idempotency-Key'),
            409: problem('Idempotency-Key reused for another assessment'),
            415: problem('The body is not JSON (Content-Type: application/json)'),
            422: problem('Unknown assessment or version'),
            429: problem('Too many responses started from this client'),
            503: problem('The database is unreachable for a moment: retry (with the same Idempotency-Key)'),
          },
        },
      },
      '/api/responses/{token}': {
        get: {
          summary: 'A response: its assessment, progress and links',
          parameters: [tokenParam],
          responses: { 200: { description: 'The response' }, 404: problem('Unknown token') },
        },
      },
      '/api/responses/{token}/answers': {
        get: {
          summary: "A response's answers and evidence notes",
          parameters: [tokenParam],
          responses: {
            200: json(z.object({ assessmentId: z.string(), version: z.number(), answers: z.array(answerJson) }), 'Answers'),
            404: problem('Unknown token'),
          },
        },
      },
      '/api/responses/{token}/answers/{checkpointId}': {
        put: {
          summary: 'Store one answer (idempotent: the same request twice stores one answer)',
          parameters: [tokenParam, { name: 'checkpointId', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: { required: true, content: { 'application/json': { schema: inputSchema(putAnswerBody) } } },
          responses: {
            200: json(answerJson, 'Stored (committed)'),
            400: problem('Invalid body'),
            404: problem('Unknown token or checkpoint'),
            409: problem('The workshop this response belongs to has closed'),
            415: problem('The body is not JSON (Content-Type: application/json)'),
            422: problem('Answer not on the scale'),
            503: problem('The database is unreachable for a moment: retry (the same request twice stores one answer)'),
          },
        },
      },
      '/api/responses/{token}/diagnostic': {
        get: {
          summary: 'The diagnostic: phase statuses, stage reached, principal and next constraint, next steps, contradictions, confidence',
          parameters: [tokenParam],
          responses: { 200: json(diagnosticJsonSchema, 'Diagnostic'), 404: problem('Unknown token') },
        },
      },
      '/api/responses/{token}/export.csv': {
        get: {
          summary: 'Export a response as CSV (one row per checkpoint)',
          parameters: [tokenParam],
          responses: { 200: { description: 'CSV', content: { 'text/csv': {} } }, 404: problem('Unknown token') },
        },
      },
    },
  };
  return document;
}
