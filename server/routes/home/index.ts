import type { FastifyInstance } from 'fastify';
import { allCheckpoints } from '../../domain/definition.js';

export default async function homeRoutes(app: FastifyInstance) {
  app.get('/', { preHandler: app.loadUser }, async (_request, reply) => {
    const assessments = app.assessments.latest().map((d) => ({
      id: d.id,
      version: d.version,
      title: d.title,
      summary: d.summary,
      minutes: d.estimatedMinutes,
      phases: d.phases.length,
      checkpoints: allCheckpoints(d).length,
    }));
    return reply.page('home', { title: 'Where execution stalls', assessments });
  });
}
