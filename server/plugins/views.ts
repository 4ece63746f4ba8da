import { readdir } from 'node:fs/promises';
import path from 'node:path';
import fastifyView from '@fastify/view';
import fp from 'fastify-plugin';
import Handlebars from 'handlebars';
import { projectRoot } from '../project-root.js';
import { helpers } from '../views/helpers.js';

declare module 'fastify' {
  interface FastifyReply {
    /** A full page: `views/pages/<name>.hbs` inside the main layout. */
    page(name: string, data?: Record<string, unknown>): Promise<FastifyReply>;
    /** A fragment for htmx: `views/partials/<name>.hbs`, no layout. */
    fragment(name: string, data?: Record<string, unknown>): Promise<FastifyReply>;
  }
}

const viewsRoot = path.join(projectRoot, 'views');

/** Every `views/partials/**.hbs`, named by its path: "self-assessment/checkpoint". */
async function findPartials(): Promise<Record<string, string>> {
  const folder = path.join(viewsRoot, 'partials');
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  const partials: Record<string, string> = {};
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.endsWith('.hbs')) continue;
    const file = path.join(entry.parentPath, entry.name);
    const name = path.relative(folder, file).replace(/\\/g, '/').replace(/\.hbs$/, '');
    partials[name] = path.relative(viewsRoot, file);
  }
  return partials;
}

export default fp<{ production: boolean }>(
  async (app, { production }) => {
    const handlebars = Handlebars.create();
    for (const [name, helper] of Object.entries(helpers)) handlebars.registerHelper(name, helper);

    await app.register(fastifyView, {
      engine: { handlebars },
      root: viewsRoot,
      viewExt: 'hbs',
      production,
      options: { partials: await findPartials() },
    });

    // Shared by every template: the CSRF token for forms and htmx requests.
    const common = (reply: import('fastify').FastifyReply) => ({
      csrfToken: reply.generateCsrf(),
      currentUser: reply.request.user ?? null,
    });

    app.decorateReply('page', async function (name: string, data: Record<string, unknown> = {}) {
      const html = await this.viewAsync(`pages/${name}`, { ...common(this), ...data }, { layout: 'layouts/main' });
      return this.type('text/html; charset=utf-8').send(html);
    });
    // Fragments carry no forms, so no CSRF token is made for them (the autosave reply is on the hot path).
    app.decorateReply('fragment', async function (name: string, data: Record<string, unknown> = {}) {
      const html = await this.viewAsync(`partials/${name}`, data);
      return this.type('text/html; charset=utf-8').send(html);
    });
  },
  { name: 'views', dependencies: ['security', 'auth'] },
);
