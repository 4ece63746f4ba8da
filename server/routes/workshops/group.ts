import type { FastifyInstance } from 'fastify';
import { answerCountsIn, consensusIn, notesIn, participationIn, type WorkshopRecord } from '../../data/workshops.js';
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

/** Everything the group views need, read in four small queries, with anonymity applied by groupView. */
export async function loadGroup(app: FastifyInstance, workshop: WorkshopRecord, basis: Basis) {
  const definition = definitionOf(app, workshop);
  const [participation, counts, consensus, notes] = await Promise.all([
    participationIn(app.db, workshop.id, allCheckpoints(definition).length),
    answerCountsIn(app.db, workshop.id),
    consensusIn(app.db, workshop.id),
    notesIn(app.db, workshop.id),
  ]);
  return {
    definition,
    group: groupView({
      definition,
      minimum: workshop.anonymityMinimum,
      participation,
      expected: workshop.expectedParticipants,
      counts,
      consensus,
      notes,
      basis,
      singleRole: workshop.roles.length < 2,
    }),
  };
}
