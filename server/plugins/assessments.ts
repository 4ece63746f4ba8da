import fp from 'fastify-plugin';
import { loadRegistry } from '../assessments/load.js';
import type { AssessmentRegistry } from '../assessments/registry.js';

declare module 'fastify' {
  interface FastifyInstance {
    assessments: AssessmentRegistry;
  }
}

/** Loads and validates every definition at start: a bad file stops start-up naming the file and path. */
export default fp<{ folder: string }>(
  async (app, { folder }) => {
    app.decorate('assessments', await loadRegistry(folder));
  },
  { name: 'assessments' },
);
