import type { FastifyInstance } from 'fastify';
import { createResponse, listAnswers, listEvidence, saveCheckpoint } from '../../data/responses.js';
import { sharedSecret } from '../../data/settings.js';
import { choiceOfAnswer, choiceOfOutcomeAnswer, tallyAnswers, type Answer } from '../../domain/answers.js';
import { allCheckpoints, allQuestions, answerableIds, type Definition, type PlacedQuestion } from '../../domain/definition.js';
import { diagnose } from '../../domain/diagnostic.js';
import { responseCsv } from '../../domain/response-export.js';
import { HttpError, notFound } from '../../http-errors.js';
import { hashIdempotencyKey, hashPrivateToken, newPrivateToken, privateTokenForKey } from '../../private-links.js';
import { parseAnswer } from '../self-assessment/answer-form.js';
import { assertOpenForAnswers, respondentFor } from '../self-assessment/respondent.js';
import { diagnosticJson } from './diagnostic-json.js';
import { openApiDocument } from './openapi.js';
import {
  answerParams,
  assessmentParams,
  createResponseBody,
  idempotencyKey,
  putAnswerBody,
  responseParams,
  versionParams,
} from './schemas.js';

/** An answer as the API spells it: a scale point, "na" or "dontknow"; an outcome signal's direction by name. */
const answerOut = (question: PlacedQuestion, answer: Answer) =>
  question.part === 'outcomes' ? choiceOfOutcomeAnswer(answer) : answer.kind === 'rating' ? answer.value : choiceOfAnswer(answer);

function summary(d: Definition, versions: number[]) {
  return {
    id: d.id,
    version: d.version,
    versions,
    title: d.title,
    summary: d.summary,
    estimatedMinutes: d.estimatedMinutes,
    phases: d.phases.map((p) => ({ id: p.id, title: p.title })),
    checkpoints: allCheckpoints(d).length,
    links: { self: `/api/assessments/${d.id}/versions/${d.version}` },
  };
}

const responseLinks = (token: string) => ({
  page: `/r/${token}`,
  answers: `/api/responses/${token}/answers`,
  diagnostic: `/api/responses/${token}/diagnostic`,
  export: `/api/responses/${token}/export.csv`,
});

/** The JSON API. No cookies: the private token in the path is the credential, so no CSRF token is needed. */
export default async function apiRoutes(app: FastifyInstance) {
  const tokenSecret = await sharedSecret(app.db, 'token_secret');

  // JSON bodies only: a form on any other website can post urlencoded or text bodies without the
  // browser asking first, but not JSON (that needs a CORS preflight, which this API never grants).
  app.addHook('onRequest', async (request) => {
    if (request.method !== 'POST' && request.method !== 'PUT') return;
    const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') {
      throw new HttpError(415, 'unsupported_media_type', 'Send the request body as JSON, with Content-Type: application/json.');
    }
  });

  app.get('/api/openapi.json', async () => openApiDocument());

  app.get('/api/assessments', async () => {
    const all = app.assessments.list();
    return {
      assessments: app.assessments
        .latest()
        .map((d) => summary(d, all.filter((o) => o.id === d.id).map((o) => o.version))),
    };
  });

  app.get('/api/assessments/:assessmentId', async (request) => {
    const { assessmentId } = assessmentParams.parse(request.params);
    const definition = app.assessments.latestOf(assessmentId);
    if (!definition) throw notFound('This assessment');
    return definition;
  });

  app.get('/api/assessments/:assessmentId/versions/:version', async (request) => {
    const { assessmentId, version } = versionParams.parse(request.params);
    const definition = app.assessments.get(assessmentId, version);
    if (!definition) throw notFound('This assessment version');
    return definition;
  });

  app.post(
    '/api/responses',
    { config: { rateLimit: { max: app.config.startsPerMinute, timeWindow: '1 minute' } } },
    async (request, reply) => {
      const body = createResponseBody.parse(request.body);
      const rawKey = request.headers['idempotency-key'];
      const key = rawKey === undefined ? undefined : idempotencyKey.safeParse(rawKey);
      if (key && !key.success) {
        throw new HttpError(400, 'invalid_request', 'The Idempotency-Key header is not valid.', [
          { field: 'header.idempotency-key', message: key.error.issues[0]!.message },
        ]);
      }
      const definition = body.version
        ? app.assessments.get(body.assessmentId, body.version)
        : app.assessments.latestOf(body.assessmentId);
      if (!definition) {
        throw new HttpError(422, 'unknown_assessment', 'No such assessment (or version).', [
          { field: body.version ? 'version' : 'assessmentId', message: 'not a published assessment' },
        ]);
      }
      const token = key ? privateTokenForKey(tokenSecret, key.data) : newPrivateToken();
      const { response, created } = await createResponse(app.db, {
        tokenHash: hashPrivateToken(token),
        assessmentId: definition.id,
        assessmentVersion: definition.version,
        creationKey: key ? hashIdempotencyKey(key.data) : undefined,
      });
      if (response.assessmentId !== definition.id || response.assessmentVersion !== definition.version) {
        throw new HttpError(409, 'idempotency_key_reused', 'This Idempotency-Key was already used for a different request.', [
          { field: 'header.idempotency-key', message: 'already used with another assessment' },
        ]);
      }
      return reply
        .status(created ? 201 : 200)
        .header('cache-control', 'no-store')
        .send({ token, assessmentId: definition.id, version: definition.version, links: responseLinks(token) });
    },
  );

  app.get('/api/responses/:token', async (request, reply) => {
    const { token } = responseParams.parse(request.params);
    const { response, definition } = await respondentFor(app, token);
    const answers = await listAnswers(app.db, response.id);
    return reply.header('cache-control', 'no-store').send({
      assessmentId: definition.id,
      version: definition.version,
      createdAt: response.createdAt.toISOString(),
      progress: { answered: answers.size, total: allQuestions(definition).length },
      links: responseLinks(token),
    });
  });

  app.get('/api/responses/:token/answers', async (request, reply) => {
    const { token } = responseParams.parse(request.params);
    const { response, definition } = await respondentFor(app, token);
    const [answers, notes] = await Promise.all([listAnswers(app.db, response.id), listEvidence(app.db, response.id)]);
    const ids = new Set([...answers.keys(), ...notes.keys()]);
    return reply.header('cache-control', 'no-store').send({
      assessmentId: definition.id,
      version: definition.version,
      answers: allQuestions(definition)
        .filter((c) => ids.has(c.id))
        .map((c) => {
          const answer = answers.get(c.id);
          return { checkpointId: c.id, answer: answer ? answerOut(c, answer) : null, evidence: notes.get(c.id) ?? null };
        }),
    });
  });

  app.put('/api/responses/:token/answers/:checkpointId', async (request, reply) => {
    const { token, checkpointId } = answerParams.parse(request.params);
    const respondent = await respondentFor(app, token);
    const { response, definition } = respondent;
    const checkpoint = app.assessments.questions(definition).find((c) => c.id === checkpointId);
    if (!checkpoint) throw notFound('This checkpoint');
    assertOpenForAnswers(respondent);
    const body = putAnswerBody.parse(request.body);
    const answer = body.answer === undefined ? undefined : parseAnswer(definition, checkpoint, String(body.answer));
    if (body.answer !== undefined && !answer) {
      throw new HttpError(422, 'invalid_answer', 'The answer is not one this checkpoint accepts.', [
        {
          field: 'answer',
          message:
            checkpoint.part === 'outcomes'
              ? 'an outcome signal takes "worse", "flat", "better" or "notmeasured"'
              : `use ${definition.scale.min}–${definition.scale.max}, "na" or "dontknow"`,
        },
      ]);
    }
    await saveCheckpoint(app.db, response, checkpoint.id, {
      answer,
      note: body.evidence === undefined ? undefined : (body.evidence ?? ''),
    });
    // What is stored now for this one checkpoint (a note alone keeps the earlier answer).
    const [answers, notes] = await Promise.all([
      listAnswers(app.db, response.id, checkpoint.id),
      listEvidence(app.db, response.id, checkpoint.id),
    ]);
    const stored = answers.get(checkpoint.id);
    return reply.header('cache-control', 'no-store').send({
      checkpointId: checkpoint.id,
      answer: stored ? answerOut(checkpoint, stored) : null,
      evidence: notes.get(checkpoint.id) ?? null,
    });
  });

  app.get('/api/responses/:token/diagnostic', async (request, reply) => {
    const { token } = responseParams.parse(request.params);
    const { response, definition } = await respondentFor(app, token);
    const answers = await listAnswers(app.db, response.id);
    const ids = answerableIds(definition);
    return reply
      .header('cache-control', 'no-store')
      .send(diagnosticJson(definition, diagnose(definition, tallyAnswers(ids, [answers]))));
  });

  app.get('/api/responses/:token/export.csv', async (request, reply) => {
    const { token } = responseParams.parse(request.params);
    const { response, definition } = await respondentFor(app, token);
    const [answers, notes] = await Promise.all([listAnswers(app.db, response.id), listEvidence(app.db, response.id)]);
    return reply
      .header('cache-control', 'no-store')
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${definition.id}-v${definition.version}-answers.csv"`)
      .send(responseCsv(definition, answers, notes));
  });
}
