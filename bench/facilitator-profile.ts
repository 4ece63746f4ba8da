/**
 * Where the facilitator live view's time goes, measured in the bench process on the same
 * database: the same data functions, view model and template the route uses
 * (GET /coach/workshops/:id/live = session lookup → workshop lookup → loadGroup's four queries in
 * parallel → groupView → Handlebars partial `workshops/live`), each timed on its own. For the
 * queries it also asks PostgreSQL how long it spent executing them (EXPLAIN ANALYZE), so the rest
 * of a query's time is the round trip, the rows on the wire and pg/Kysely turning them into objects.
 *
 * The app process has Fastify, cookies, CSRF and logging on top; the difference between the sum of
 * these steps and the HTTP latency measured by bench/workshop.ts is that overhead.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import Handlebars from 'handlebars';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { loadRegistry } from '../server/assessments/load.js';
import { findSessionUser, hashSessionToken } from '../server/data/accounts.js';
import type { Database } from '../server/data/database.js';
import { answerCountsIn, consensusIn, findWorkshop, notesIn, participationIn } from '../server/data/workshops.js';
import { allCheckpoints } from '../server/domain/definition.js';
import { helpers } from '../server/views/helpers.js';
import { groupView } from '../server/views/workshop-view.js';
import { latencyOf, type Latency } from './support.js';

const repoRoot = path.resolve(import.meta.dirname, '..');
const viewsRoot = path.join(repoRoot, 'views');

export interface ProfileStep {
  step: string;
  latency: Latency;
  /** PostgreSQL's own execution (+ planning) time of the statement, p50 of EXPLAIN (ANALYZE, TIMING OFF) runs. */
  serverMs?: number;
  rows?: number;
  /** The plan's shape, e.g. "HashAggregate ← Hash Join ← (Seq Scan on answers + Hash ← Seq Scan on responses)", and its buffers. */
  plan?: string;
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Plan Rows': number;
  'Actual Rows': number;
  'Actual Loops': number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

/** A plan in one line: node types, relations, loops, and estimates that were far off. */
function describePlan(node: PlanNode): string {
  const children = (node.Plans ?? []).filter((c) => c['Node Type'] !== 'Bitmap Index Scan');
  const estimate = node['Plan Rows'];
  const actual = node['Actual Rows'] * node['Actual Loops'];
  const off = node['Relation Name'] && (actual > 4 * estimate || estimate > 4 * actual) ? ` (estimated ${estimate} rows, got ${Math.round(actual)})` : '';
  const loops = node['Actual Loops'] > 1 ? ` ×${node['Actual Loops']}` : '';
  const label = `${node['Node Type']}${node['Relation Name'] ? ` on ${node['Relation Name']}` : ''}${off}${loops}`;
  if (children.length === 0) return label;
  return `${label} ← ${children.length === 1 ? describePlan(children[0]!) : `(${children.map(describePlan).join(' + ')})`}`;
}

/** Live and dead rows and the last (auto)vacuum and analyze of the tables the view reads. */
export async function tableStates(databaseUrl: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on('error', () => {});
  await client.connect();
  try {
    const { rows } = await client.query<{ relname: string; live: number; dead: number; vacuumed: number | null; analyzed: number | null }>(
      `select relname, n_live_tup::int as live, n_dead_tup::int as dead,
              extract(epoch from now() - greatest(last_vacuum, last_autovacuum))::int as vacuumed,
              extract(epoch from now() - greatest(last_analyze, last_autoanalyze))::int as analyzed
         from pg_stat_user_tables where relname in ('answers', 'responses') order by relname`,
    );
    const ago = (s: number | null) => (s === null ? 'never' : `${s} s ago`);
    return rows.map((r) => `${r.relname}: ${r.live} live rows, ${r.dead} dead; vacuumed ${ago(r.vacuumed)}, analyzed ${ago(r.analyzed)}`);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Handlebars set up as server/plugins/views.ts does: the helpers and every partial under views/partials. */
async function liveTemplate(): Promise<Handlebars.TemplateDelegate> {
  const handlebars = Handlebars.create();
  for (const [name, helper] of Object.entries(helpers)) handlebars.registerHelper(name, helper);
  const folder = path.join(viewsRoot, 'partials');
  for (const entry of await readdir(folder, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.hbs')) continue;
    const file = path.join(entry.parentPath, entry.name);
    handlebars.registerPartial(path.relative(folder, file).replace(/\\/g, '/').replace(/\.hbs$/, ''), await readFile(file, 'utf8'));
  }
  return handlebars.compile(await readFile(path.join(folder, 'workshops', 'live.hbs'), 'utf8'));
}

async function time<T>(runs: number, fn: () => Promise<T> | T): Promise<{ latency: Latency; last: T }> {
  for (let i = 0; i < 3; i++) await fn(); // warm-up: plans, JIT
  const samples: number[] = [];
  let last!: T;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    last = await fn();
    samples.push(performance.now() - started);
  }
  return { latency: latencyOf(samples), last };
}

interface Statement {
  sql: string;
  parameters: readonly unknown[];
}

type Explained = { 'Execution Time': number; 'Planning Time': number; Plan: PlanNode };

/** A Kysely on its own small pool that remembers the last statement it ran, and EXPLAINs statements. */
function openDatabase(databaseUrl: string) {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  pool.on('error', () => {});
  let last: Statement | undefined;
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    log: (event) => {
      if (event.level === 'query') last = { sql: event.query.sql, parameters: event.query.parameters };
    },
  });
  return {
    pool,
    db,
    lastStatement: () => last!,
    /** timing off: per-node clock reads would inflate the figures (expensive clocks on VMs). */
    explain: async (statement: Statement): Promise<Explained> => {
      const { rows } = await pool.query<{ 'QUERY PLAN': Explained[] }>(`explain (analyze, timing off, buffers, format json) ${statement.sql}`, [
        ...statement.parameters,
      ]);
      return rows[0]!['QUERY PLAN'][0]!;
    },
  };
}

const planText = (plan: PlanNode) => `${describePlan(plan)}; ${(plan['Shared Hit Blocks'] ?? 0) + (plan['Shared Read Blocks'] ?? 0)} buffers`;

/** The plans PostgreSQL picks right now for the live view's two heavy queries. */
export async function heavyQueryPlans(databaseUrl: string, workshopId: string, checkpointCount: number): Promise<{ query: string; plan: string }[]> {
  const { db, lastStatement, explain } = openDatabase(databaseUrl);
  try {
    const plans: { query: string; plan: string }[] = [];
    for (const [query, run] of [
      ['participationIn', () => participationIn(db, workshopId, checkpointCount)],
      ['answerCountsIn', () => answerCountsIn(db, workshopId)],
    ] as const) {
      await run();
      plans.push({ query, plan: planText((await explain(lastStatement())).Plan) });
    }
    return plans;
  } finally {
    await db.destroy();
  }
}

export async function profileLiveView(options: { databaseUrl: string; workshopId: string; sessionToken?: string; runs: number }): Promise<ProfileStep[]> {
  const { runs, workshopId } = options;
  const { pool, db, lastStatement, explain } = openDatabase(options.databaseUrl);
  try {
    const registry = await loadRegistry(path.join(repoRoot, 'assessments'));
    const workshop = await findWorkshop(db, workshopId);
    if (!workshop) throw new Error(`workshop ${workshopId} not found`);
    const definition = registry.get(workshop.assessmentId, workshop.assessmentVersion);
    if (!definition) throw new Error(`assessment ${workshop.assessmentId}@${workshop.assessmentVersion} not found`);
    const checkpointCount = allCheckpoints(definition).length;
    const template = await liveTemplate();

    /** One query on its own: client-side time, rows, PostgreSQL's execution time, and its plan. */
    const steps: ProfileStep[] = [];
    const query = async <T>(step: string, fn: () => Promise<T>): Promise<T> => {
      await fn();
      const statement = lastStatement();
      // The plan before and after the timed runs: autoanalyze may change it meanwhile.
      const planBefore = planText((await explain(statement)).Plan);
      const { latency, last } = await time(runs, fn);
      const serverMs: number[] = [];
      let planAfter = planBefore;
      for (let i = 0; i < Math.min(runs, 10); i++) {
        const explained = await explain(statement);
        serverMs.push(explained['Execution Time'] + explained['Planning Time']);
        planAfter = planText(explained.Plan);
      }
      const { rows } = await pool.query(statement.sql, [...statement.parameters]);
      const plan = planBefore === planAfter ? planBefore : `${planBefore}; THEN (plan changed, e.g. by autoanalyze): ${planAfter}`;
      steps.push({ step, latency, serverMs: latencyOf(serverMs).p50, rows: rows.length, plan });
      return last;
    };

    if (options.sessionToken) await query('session lookup (findSessionUser)', () => findSessionUser(db, hashSessionToken(options.sessionToken!)));
    await query('workshop lookup (findWorkshop)', () => findWorkshop(db, workshopId));
    const participation = await query('participationIn', () => participationIn(db, workshopId, checkpointCount));
    const counts = await query('answerCountsIn', () => answerCountsIn(db, workshopId));
    const consensus = await query('consensusIn', () => consensusIn(db, workshopId));
    const notes = await query('notesIn', () => notesIn(db, workshopId));

    const load = () =>
      Promise.all([
        participationIn(db, workshopId, checkpointCount),
        answerCountsIn(db, workshopId),
        consensusIn(db, workshopId),
        notesIn(db, workshopId),
      ]);
    steps.push({ step: 'the four together (as loadGroup)', latency: (await time(runs, load)).latency });

    const input = {
      definition,
      minimum: workshop.anonymityMinimum,
      participation,
      counted: participation.answeringByRole,
      raters: participation.answering,
      leadersOnRecord: false,
      pending: [],
      closed: false,
      expected: workshop.expectedParticipants,
      counts,
      consensus,
      notes,
      basis: 'votes' as const,
    };
    const view = await time(runs, () => groupView(input));
    steps.push({ step: 'groupView (JS view model)', latency: view.latency });
    const data = { group: view.last, basis: 'votes', assessment: definition, workshop: { path: `/coach/workshops/${workshopId}` } };
    steps.push({ step: 'Handlebars workshops/live', latency: (await time(runs, () => template(data))).latency });
    return steps;
  } finally {
    await db.destroy();
  }
}
