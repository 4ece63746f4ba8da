import type { FastifyInstance } from 'fastify';
import {
  consensusIn,
  groupFingerprintIn,
  notesIn,
  participationIn,
  publishAnswers,
  publishedGroupIn,
  type PublishedGroup,
  type WorkshopRecord,
} from '../../data/workshops.js';
import type { PendingChange } from '../../domain/anonymity.js';
import { publishable } from '../../domain/anonymity.js';
import type { Definition } from '../../domain/definition.js';
import { allCheckpoints } from '../../domain/definition.js';
import { notFound } from '../../http-errors.js';
import { groupView } from '../../views/workshop-view.js';

export type Basis = 'votes' | 'agreed';

export function definitionOf(app: FastifyInstance, workshop: WorkshopRecord): Definition {
  const definition = app.assessments.get(workshop.assessmentId, workshop.assessmentVersion);
  if (!definition) throw notFound();
  return definition;
}

/**
 * What was published, per workshop, under the fingerprint it was read at: a facilitator polls every
 * 4 s, and most polls find nothing changed. Only a cache: a different fingerprint (any answer saved,
 * any publication by any process) or an old entry recomputes, and closing and exporting never use it.
 */
const cacheSeconds = 20;
const cacheLimit = 500;
const published = new Map<string, { fingerprint: string; at: number; pending: PendingChange[]; group: PublishedGroup }>();

async function publishedState(app: FastifyInstance, workshop: WorkshopRecord) {
  const fingerprint = await groupFingerprintIn(app.db, workshop.id);
  const cached = published.get(workshop.id);
  if (cached && cached.fingerprint === fingerprint && performance.now() - cached.at < cacheSeconds * 1000) return cached;
  const pending = await publishAnswers(app.db, workshop.id, (p) => publishable(p, workshop.anonymityMinimum));
  const state = { fingerprint, at: performance.now(), pending, group: await publishedGroupIn(app.db, workshop.id) };
  if (published.size >= cacheLimit) published.delete(published.keys().next().value!);
  published.set(workshop.id, state);
  return state;
}

/** Publish what the anonymity rules allow, then read the published answers; anonymity applied by groupView. */
export async function loadGroup(app: FastifyInstance, workshop: WorkshopRecord, basis: Basis) {
  const definition = definitionOf(app, workshop);
  const minimum = workshop.anonymityMinimum;
  const [participation, { pending, group: publishedGroup }, consensus, notes] = await Promise.all([
    participationIn(app.db, workshop.id, allCheckpoints(definition).length),
    publishedState(app, workshop),
    consensusIn(app.db, workshop.id),
    notesIn(app.db, workshop.id),
  ]);
  return {
    definition,
    group: groupView({
      definition,
      minimum,
      participation: { joined: participation.joined, answering: participation.answering, finished: participation.finished },
      counted: publishedGroup.respondents,
      raters: publishedGroup.raters,
      leadersOnRecord: workshop.leadersOnRecord,
      pending,
      closed: workshop.status === 'closed',
      expected: workshop.expectedParticipants,
      counts: publishedGroup.counts,
      consensus,
      notes,
      basis,
      singleRole: workshop.roles.length < 2,
    }),
  };
}
