import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ZodError } from 'zod';
import { WorkshopClosedError } from '../data/responses.js';
import { isDatabaseUnavailable } from '../data/unavailable.js';
import { HttpError, type FieldIssue } from '../http-errors.js';

interface Problem {
  statusCode: number;
  code: string;
  message: string;
  issues: FieldIssue[];
}

const friendly: Record<string, string> = {
  FST_CSRF_INVALID_TOKEN:
    'This form had expired or came from another site. Go back, reload the page and submit it again.',
  FST_CSRF_MISSING_SECRET:
    'This form had expired (your browser did not send its security cookie). Go back, reload the page and submit it again.',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'This request body type is not accepted here.',
  FST_ERR_CTP_BODY_TOO_LARGE: 'The request was too large.',
  FST_ERR_CTP_INVALID_JSON_BODY: 'The request body is not valid JSON.',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'The request body is empty; JSON was expected.',
};

/** PostgreSQL SQLSTATEs for text it cannot store: character_not_in_repertoire, untranslatable_character. */
const invalidTextCodes = new Set(['22021', '22P05']);

function toProblem(error: FastifyError | HttpError | ZodError | Error): Problem {
  if (error instanceof HttpError) {
    return { statusCode: error.statusCode, code: error.code, message: error.message, issues: error.issues };
  }
  if (error instanceof ZodError) {
    return {
      statusCode: 400,
      code: 'invalid_request',
      message: 'The request is not valid.',
      issues: error.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message })),
    };
  }
  if (error instanceof WorkshopClosedError) {
    const what = error.message === 'round closed' ? 'This round has closed' : 'This workshop has closed';
    return { statusCode: 409, code: 'workshop_closed', message: `${what}: answers can no longer change.`, issues: [] };
  }
  if (isDatabaseUnavailable(error)) {
    return {
      statusCode: 503,
      code: 'database_unavailable',
      message: 'Stallpoint cannot reach its database for a moment. What you just sent may not be stored: try again in a few seconds.',
      issues: [],
    };
  }
  const fastifyError = error as FastifyError;
  if (invalidTextCodes.has(String(fastifyError.code))) {
    // PostgreSQL refused the text itself (e.g. a NUL character that slipped past validation).
    return { statusCode: 400, code: 'invalid_text', message: 'The text sent contains characters that cannot be stored.', issues: [] };
  }
  const status = fastifyError.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return {
      statusCode: status,
      code: fastifyError.code ? fastifyError.code.toLowerCase() : 'bad_request',
      message: (fastifyError.code && friendly[fastifyError.code]) ?? error.message,
      issues: [],
    };
  }
  // Other 5xx: the detail goes to the log, never to the user.
  return { statusCode: 500, code: 'internal_error', message: 'Something went wrong on our side. Please try again.', issues: [] };
}

const titles: Record<number, string> = {
  400: 'That request was not valid',
  403: 'Not allowed',
  404: 'Not found',
  413: 'Too large',
  415: 'Not accepted',
  422: 'Please check your input',
  429: 'Too many requests',
  503: 'Temporarily unavailable',
};

export function wantsJson(request: FastifyRequest): boolean {
  return request.url.startsWith('/api/') || request.url === '/api';
}

async function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: Problem): Promise<FastifyReply> {
  reply.status(problem.statusCode);
  if (problem.statusCode === 503) reply.header('retry-after', '2');
  if (wantsJson(request)) {
    return reply.send({
      error: { status: problem.statusCode, code: problem.code, message: problem.message, issues: problem.issues },
    });
  }
  const template = problem.statusCode === 404 ? 'errors/404' : problem.statusCode < 500 ? 'errors/4xx' : 'errors/error';
  const html = await reply.viewAsync(
    template,
    {
      title: titles[problem.statusCode] ?? (problem.statusCode < 500 ? 'Request refused' : 'Something went wrong'),
      problem,
    },
    { layout: 'layouts/main' },
  );
  return reply.type('text/html; charset=utf-8').send(html);
}

/**
 * A URL Fastify cannot route (a malformed %-escape, a path segment over the router's limit) is
 * refused before any hook runs, as raw JSON that echoes the URL and has no security headers.
 * Fastify hands those to `frameworkErrors` (app.ts), which lands here: the app's own 404 or 400,
 * with its headers, saying nothing of the URL. Rendered through `app.view` because the reply
 * Fastify makes for these has none of the reply decorators.
 */
export async function sendFrameworkError(app: FastifyInstance, error: FastifyError, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  app.applySecurityHeaders(request.raw, reply.raw);
  const problem: Problem =
    error.code === 'FST_ERR_BAD_URL'
      ? { statusCode: 400, code: 'bad_url', message: 'This address is not valid.', issues: [] }
      : { statusCode: 404, code: 'not_found', message: 'This page does not exist, or the link is not valid.', issues: [] };
  reply.status(problem.statusCode).header('cache-control', 'no-store');
  if (wantsJson(request)) {
    reply.send({ error: { status: problem.statusCode, code: problem.code, message: problem.message, issues: [] } });
    return;
  }
  try {
    const html = await app.view(problem.statusCode === 404 ? 'errors/404' : 'errors/4xx', { title: titles[problem.statusCode], problem }, { layout: 'layouts/main' });
    reply.type('text/html; charset=utf-8').send(html);
  } catch (renderError) {
    request.log.error({ err: renderError }, 'error page failed');
    reply.type('text/plain; charset=utf-8').send(problem.message);
  }
}

/** One error handler: 4xx explained, 5xx hidden and logged; HTML pages or JSON for /api. */
export default fp(
  async (app) => {
    app.setErrorHandler(async (error: FastifyError | Error, request, reply) => {
      const problem = toProblem(error);
      if (problem.statusCode === 503) request.log.warn({ err: error }, 'database unavailable');
      else if (problem.statusCode >= 500) request.log.error({ err: error }, 'request failed');
      return sendProblem(request, reply, problem);
    });
    app.setNotFoundHandler(async (request, reply) =>
      sendProblem(request, reply, {
        statusCode: 404,
        code: 'not_found',
        message: 'This page does not exist, or the link is not valid.',
        issues: [],
      }),
    );
  },
  { name: 'errors', dependencies: ['views'] },
);
