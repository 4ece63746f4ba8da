import type { FastifyInstance } from 'fastify';
import { consensusIn, notesIn, participationIn, publishAnswers, publishedGroupIn, type WorkshopRecord } from '../../data/workshops.js';
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

/** Publish what the anonymity rules allow, then read the published answers; anonymity applied by groupView. */
export async function loadGroup(app: FastifyInstance, workshop: WorkshopRecord, basis: Basis) {
  const definition = definitionOf(app, workshop);
  const minimum = workshop.anonymityMinimum;
  const pending = await publishAnswers(app.db, workshop.id, (p) => publishable(p, minimum));
  const [participation, published, consensus, notes] = await Promise.all([
    participationIn(app.db, workshop.id, allCheckpoints(definition).length),
    publishedGroupIn(app.db, workshop.id),
    consensusIn(app.db, workshop.id),
    notesIn(app.db, workshop.id),
  ]);
  return {
    definition,
    group: groupView({
      definition,
      minimum,
      participation: { joined: participation.joined, answering: participation.answering, finished: participation.finished },
      counted: published.respondents,
      raters: published.raters,
      leadersOnRecord: workshop.leadersOnRecord,
      pending,
      closed: workshop.status === 'closed',
      expected: workshop.expectedParticipants,
      counts: published.counts,
      consensus,
      notes,
      basis,
      singleRole: workshop.roles.length < 2,
    }),
  };
}
