import { z } from 'zod';
import { definitionSchema } from '../../domain/definition.js';
import { organisationPaths } from './organisation-openapi.js';
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
        'Assessments, responses, answers and the diagnostic. A response is reached only through its private token in the path, which is the credential (no other authentication): keep it secret. An organisation\'s rounds are read with a read-only API token an admin creates, sent as a bearer token. Errors are JSON: {"error":{"status","code","message","issues":[{"field","message"}]}}.',
      license: { name: 'Proprietary', identifier: 'LicenseRef-Stallpoint-Proprietary' },
    },
    servers: [{ url: '/', description: 'This Stallpoint server (paths are relative to where it is reached)' }],
    // Assessment and response operations need no authentication header: a response's private token in the path is the credential.
    security: [],
    components: {
      securitySchemes: {
        organisationToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'A read-only API token of one organisation ("sp_…"), created and revoked by its owners and admins.',
        },
      },
    },
    paths: {
      ...organisationPaths(json, problem),
      '/api/assessments': {
        get: {
          operationId: 'listAssessments',
          summary: 'List published assessments (newest version of each)',
          responses: { 200: { description: 'Assessments' }, '4XX': problem('A request the server cannot answer') },
        },
      },
      '/api/assessments/{assessmentId}': {
        get: {
          operationId: 'getAssessment',
          summary: 'Get the newest version of an assessment definition',
          parameters: [{ name: 'assessmentId', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { 200: json(definitionSchema, 'The definition'), 404: problem('No such assessment') },
        },
      },
      '/api/assessments/{assessmentId}/versions/{version}': {
        get: {
          operationId: 'getAssessmentVersion',
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
          operationId: 'startResponse',
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
          operationId: 'getResponse',
          summary: 'A response: its assessment, progress and links',
          parameters: [tokenParam],
          responses: { 200: { description: 'The response' }, 404: problem('Unknown token') },
        },
      },
      '/api/responses/{token}/answers': {
        get: {
          operationId: 'listAnswers',
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
          operationId: 'putAnswer',
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
          operationId: 'getDiagnostic',
          summary: 'The diagnostic: phase statuses, stage reached, principal and next constraint, next steps, contradictions, confidence',
          parameters: [tokenParam],
          responses: { 200: json(diagnosticJsonSchema, 'Diagnostic'), 404: problem('Unknown token') },
        },
      },
      '/api/responses/{token}/export.csv': {
        get: {
          operationId: 'exportResponseCsv',
          summary: 'Export a response as CSV (one row per checkpoint)',
          parameters: [tokenParam],
          responses: { 200: { description: 'CSV', content: { 'text/csv': {} } }, 404: problem('Unknown token') },
        },
      },
    },
  };
  return document;
}
