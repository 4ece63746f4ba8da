import type { FastifyInstance, FastifyReply } from 'fastify';
import { findResponseByTokenHash, type ResponseRecord } from '../../data/responses.js';
import { findRound, type RoundRecord } from '../../data/rounds.js';
import { findWorkshop, type WorkshopRecord } from '../../data/workshops.js';
import type { Definition } from '../../domain/definition.js';
import { HttpError, notFound } from '../../http-errors.js';
import { hashPrivateToken, isWellFormedToken } from '../../private-links.js';

export interface Respondent {
  token: string;
  response: ResponseRecord;
  definition: Definition;
  /** The workshop this response belongs to, for a workshop participant. */
  workshop: WorkshopRecord | undefined;
  /** The organisation's round this response answers in, if any. */
  round?: RoundRecord | undefined;
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
  const workshop = response.workshopId ? await findWorkshop(app.db, response.workshopId) : undefined;
  const round =
    response.organisationId && response.roundId ? await findRound(app.db, response.organisationId, response.roundId) : undefined;
  return { token, response, definition, workshop, round };
}

export const workshopClosedMessage = 'This workshop has closed: answers can no longer change.';

/** What a participant is told once answering has closed: their workshop's, or their organisation round's. */
export function closedMessageFor(respondent: Pick<Respondent, 'workshop' | 'round'>): string {
  return respondent.round && respondent.round.status !== 'open' && respondent.workshop?.status !== 'closed'
    ? 'This round has closed: answers can no longer change.'
    : workshopClosedMessage;
}

/** Answers can change unless the response belongs to a workshop that has closed. */
export function isOpenForAnswers(respondent: Respondent): boolean {
  if (respondent.round && respondent.round.status !== 'open') return false;
  return respondent.workshop === undefined || respondent.workshop.status === 'open';
}

export function assertOpenForAnswers(respondent: Respondent): void {
  if (!isOpenForAnswers(respondent)) throw new HttpError(409, 'workshop_closed', closedMessageFor(respondent));
}

/** The path of a private link. */
export const base = (token: string) => `/r/${token}`;

/** Private pages: never stored by a browser or proxy. */
export function privatePage(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-store').header('x-robots-tag', 'noindex');
}

/** For the layout: a closed workshop's banner on a participant's pages, and (on forms) every input disabled. */
export function closedWorkshopNotice(workshop: WorkshopRecord | undefined, disableForms = false) {
  return workshop?.status === 'closed' ? { title: workshop.title, disableForms } : undefined;
}
