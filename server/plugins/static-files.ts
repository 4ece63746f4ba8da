import { createRequire } from 'node:module';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import fp from 'fastify-plugin';
import { projectRoot } from '../project-root.js';

const require = createRequire(import.meta.url);
const root = projectRoot;

/** Our own CSS and JS under /static, and the two browser libraries straight from node_modules. */
export default fp(
  async (app) => {
    const cacheControl = { cacheControl: true, maxAge: '1h' } as const;
    await app.register(fastifyStatic, { root: path.join(root, 'static'), prefix: '/static/', ...cacheControl });
    await app.register(fastifyStatic, {
      root: path.join(path.dirname(require.resolve('htmx.org/package.json')), 'dist'),
      prefix: '/vendor/htmx/',
      decorateReply: false,
      allowedPath: (pathName) => pathName === '/htmx.min.js',
      ...cacheControl,
    });
    await app.register(fastifyStatic, {
      // chart.js's dist/ is not in its exports map: resolve the package entry and serve its folder.
      root: path.dirname(require.resolve('chart.js')),
      prefix: '/vendor/chart.js/',
      decorateReply: false,
      allowedPath: (pathName) => pathName === '/chart.umd.min.js',
      ...cacheControl,
    });
  },
  { name: 'static-files' },
);
