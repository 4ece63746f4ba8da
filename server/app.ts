import fastifyFormbody from '@fastify/formbody';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { requestSerializer } from './logging.js';
import assessments from './plugins/assessments.js';
import auth from './plugins/auth.js';
import database from './plugins/database.js';
import errors, { sendFrameworkError } from './plugins/errors.js';
import security from './plugins/security.js';
import staticFiles from './plugins/static-files.js';
import views from './plugins/views.js';
import accountRoutes from './routes/accounts/index.js';
import apiRoutes from './routes/api/index.js';
import organisationApiRoutes from './routes/api/organisations.js';
import healthRoutes from './routes/health/index.js';
import homeRoutes from './routes/home/index.js';
import organisationRoutes from './routes/organisations/index.js';
import teamLinkRoutes from './routes/organisations/team-links.js';
import selfAssessmentRoutes from './routes/self-assessment/index.js';
import resultsRoutes from './routes/self-assessment/results.js';
import coachRoutes from './routes/workshops/coach.js';
import joinRoutes from './routes/workshops/join.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
  }
}

export interface AppOptions {
  config: Config;
  database: { connectionString: string; poolMax: number; migrate?: boolean; namedStatements?: boolean; readConnectionString?: string };
  /** Pino logger options, or false for none (tests). */
  logger?: false | { level: string; stream?: NodeJS.WritableStream };
}

/** Build the app: plugins and routes. It never listens (main.ts does; tests use inject). */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { config } = options;
  // eslint-disable-next-line prefer-const -- assigned right below; the handler runs only once requests arrive
  let built: FastifyInstance;
  const app = Fastify({
    logger:
      options.logger === false
        ? false
        : { level: config.logLevel, ...options.logger, serializers: { req: requestSerializer } },
    // Trust exactly the configured number of proxy hops, never a client-supplied X-Forwarded-For beyond them.
    trustProxy: config.trustProxy > 0 ? (_address: string, hop: number) => hop < config.trustProxy : false,
    bodyLimit: 1024 * 1024,
    // Path segments up to 1,000 characters reach the routes (which answer a 404 page for a bad token or
    // code); longer ones and malformed %-escapes go to frameworkErrors: the app's own error pages too.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
    frameworkErrors: (error, request, reply) => void sendFrameworkError(built, error, request, reply),
  });
  built = app;
  app.decorate('config', config);
  if (config.env === 'production' && !config.publicUrl) {
    app.log.warn(
      'PUBLIC_URL is not set: the private links people are asked to keep are built from each request\'s Host header. Set PUBLIC_URL to the address people use (e.g. https://stallpoint.example).',
    );
  }

  await app.register(database, options.database);
  await app.register(assessments, { folder: config.assessmentsDir });
  await app.register(fastifyFormbody, { bodyLimit: 1024 * 1024 });
  await app.register(security, { cookieSecret: config.cookieSecret, secureCookies: config.env === 'production' });
  await app.register(auth);
  await app.register(views, { production: config.env !== 'development' });
  await app.register(errors);
  await app.register(staticFiles);

  await app.register(healthRoutes);
  await app.register(homeRoutes);
  await app.register(selfAssessmentRoutes);
  await app.register(resultsRoutes);
  await app.register(accountRoutes);
  await app.register(apiRoutes);
  await app.register(joinRoutes);
  await app.register(coachRoutes);
  await app.register(organisationRoutes);
  await app.register(teamLinkRoutes);
  await app.register(organisationApiRoutes);
  return app;
}
