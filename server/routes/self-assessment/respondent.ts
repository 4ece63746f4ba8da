import type { FastifyInstance } from 'fastify';
import { findResponseByTokenHash, type ResponseRecord } from '../../data/responses.js';
import type { Definition } from '../../domain/definition.js';
import { notFound } from '../../http-errors.js';
import { hashPrivateToken, isWellFormedToken } from '../../private-links.js';

export interface Respondent {
  token: string;
  response: ResponseRecord;
  definition: Definition;
}

/**
 * The response behind a private link. A malformed, unknown or wrong token gets
 * the same 404 as a missing page: a link either opens a response or reveals nothing.
 */
export async function respondentFor(app: FastifyInstance, token: string): Promise<Respondent> {
  if (!isWellFormedToken(token)) throw notFound();
  const response = await findResponseByTokenHash(app.db, hashPrivateToken(token));
  if (!response) throw notFound();
  const definition = app.assessments.get(response.assessmentId, response.assessmentVersion);
  if (!definition) throw notFound();
  return { token, response, definition };
}
