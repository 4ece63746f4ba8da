/**
 * The workshop scenario of `npm run bench` (run by bench/run.ts after the autosave-vs-bare
 * comparison, on the same PostgreSQL, app and bare server).
 *
 * Issue: 500 participants join and each saves answers at the same moment; all writes succeed
 * and are stored once; p50/p99 against the bare upsert baseline in the same run, and the
 * facilitator view's render time at 500 participants (goal: live view p95 ≤ 50 ms).
 *
 * 1. A coach signs up (POST /sign-up) and creates a workshop (POST /coach/workshops, both roles,
 *    minimum 5, expecting every participant); the join code is read off the facilitator page.
 * 2. BENCH_PARTICIPANTS (500) participants join, roles alternating. Each has its own cookies
 *    (`_csrf`, then the signed `sp_w_<workshop>` cookie from POST /j/<code>) and its own
 *    keep-alive connection (http.Agent, maxSockets 1). The join routes allow 20 requests per
 *    client address and minute, so participants come from 127.0.1.1, .2, … (Linux routes all of
 *    127/8 to lo), 10 per address. The global join limit (600 a minute for everyone) counts the
 *    join page (GET /j/<code>) as well as the join itself (POST), so 500 page views plus 500 joins
 *    would exceed it inside one minute (tried: 429 "Too many people are joining" after about 300
 *    participants): participants read their CSRF token from the home page (GET /, not limited)
 *    and only POST /j/<code> counts.
 * 3. Burst: every participant holds an open connection; all start together (one barrier) and each
 *    sends its BENCH_ANSWERS (40) autosaves one after another (POST /r/<token>/checkpoints/<id>,
 *    hx-request, x-csrf-token, its cookies). Then the bare baseline with the same shape: as many
 *    clients, each with its own connection and a random response id, each sending as many
 *    single-row upserts (POST /bare/<id>/<checkpoint>) one after another. Every request's latency
 *    is recorded (from the request's start to the reply's last byte).
 * 4. Verified through pg: all replies 2xx "Saved", exactly participants × answers rows for the
 *    workshop, no duplicate (response, checkpoint).
 * 5. The whole burst again with other values (a retry of every save), and the bare one likewise:
 *    still participants × answers rows, and every stored value is the second burst's.
 * 6. Facilitator: 200 sequential GET /coach/workshops/<id>/live and 50 of the full page over one
 *    keep-alive connection (after a short warm-up), p50/p95/p99/max, with the tables as the bursts
 *    left them (as in a live workshop: autovacuum and autoanalyze may not have caught up); then the
 *    live view again after VACUUM ANALYZE of answers and responses. Each time, the route's steps are
 *    also timed one by one in this process (bench/facilitator-profile.ts): where the time goes.
 *
 * Failed or non-"Saved" writes, wrong row counts or values, and facilitator errors are failures
 * (returned as problems: exit 1); latency goals are measurements and never fail the run.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import pg from 'pg';
import { hashPrivateToken } from '../server/private-links.js';
import { heavyQueryPlans, profileLiveView, tableStates, type ProfileStep } from './facilitator-profile.js';
import { envInt, fmt, httpRequest, latencyOf, table, type HttpReply, type Latency } from './support.js';

export const PARTICIPANTS = envInt('BENCH_PARTICIPANTS', 500, 1);
export const ANSWERS = envInt('BENCH_ANSWERS', 40, 1);
const JOINS_PER_ADDRESS = 10; // the join routes allow 20 per client address and minute
const LIVE_REQUESTS = 200;
const PAGE_REQUESTS = 50;
const WARMUP_REQUESTS = 5;
const PROFILE_RUNS = 30;
const GOAL_LIVE_P95_MS = 50;
/** Right after the burst, before any VACUUM: a facilitator polls every 4 s at exactly that moment. */
const GOAL_LIVE_P99_MS = 100;
const FORM = 'application/x-www-form-urlencoded';

/** CPU time used so far, in ms: the server process in question, PostgreSQL, and this process. */
export interface CpuTotals {
  server?: number;
  postgres?: number;
  loadgen: number;
  /** Busy CPU of the whole machine (Linux /proc/stat). */
  machine?: number;
}

export interface WorkshopContext {
  appUrl: string;
  bareUrl: string;
  databaseUrl: string;
  checkpointIds: readonly string[];
  /** "<id>@<version>" of the definition the checkpoint ids come from (the newest). */
  assessment: string;
  cpu: (server: 'app' | 'bare') => CpuTotals;
  onCleanup: (name: string, fn: () => Promise<void>) => void;
  interrupted: () => boolean;
}

// ---------------------------------------------------------------------------------------------
// Cookies and forms

class CookieJar {
  private readonly cookies = new Map<string, string>();

  take(reply: HttpReply): this {
    for (const line of ([] as string[]).concat(reply.headers['set-cookie'] ?? [])) {
      const pair = line.split(';')[0]!;
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /;\s*max-age=0\b/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return this;
  }

  has(name: string): boolean {
    return this.cookies.has(name);
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

function csrfTokenOf(reply: HttpReply, what: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(reply.body)?.[1];
  if (reply.status !== 200 || !token) throw new Error(`${what}: no CSRF token (status ${reply.status}) ${reply.body.slice(0, 200)}`);
  return token;
}

const formBody = (fields: [string, string][]) => fields.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');

/** 127.0.1.1, 127.0.1.2, … 127.0.1.254, 127.0.2.1, … */
const loopbackAddress = (i: number) => `127.0.${1 + Math.floor(i / 254)}.${1 + (i % 254)}`;

// ---------------------------------------------------------------------------------------------
// Set-up: a coach, a workshop, participants

interface Coach {
  agent: http.Agent;
  jar: CookieJar;
}

async function signUpCoach(appUrl: string, agent: http.Agent): Promise<Coach> {
  const jar = new CookieJar();
  const page = await httpRequest(`${appUrl}/sign-up`, { agent });
  jar.take(page);
  const password = randomBytes(18).toString('base64url');
  const reply = await httpRequest(`${appUrl}/sign-up`, {
    method: 'POST',
    agent,
    headers: { 'content-type': FORM, cookie: jar.header() },
    body: formBody([
      ['_csrf', csrfTokenOf(page, 'GET /sign-up')],
      ['displayName', 'Bench Coach'],
      ['email', `bench-${randomBytes(6).toString('hex')}@example.com`],
      ['password', password],
      ['confirmPassword', password],
    ]),
  });
  jar.take(reply);
  if (reply.status !== 303 || !jar.has('sp_session')) throw new Error(`POST /sign-up: ${reply.status} ${reply.body.slice(0, 300)}`);
  return { agent, jar };
}

async function createWorkshop(appUrl: string, coach: Coach, expected: number, assessment: string): Promise<{ id: string; code: string }> {
  const page = await httpRequest(`${appUrl}/coach/workshops/new`, { agent: coach.agent, headers: { cookie: coach.jar.header() } });
  coach.jar.take(page);
  const reply = await httpRequest(`${appUrl}/coach/workshops`, {
    method: 'POST',
    agent: coach.agent,
    headers: { 'content-type': FORM, cookie: coach.jar.header() },
    body: formBody([
      ['_csrf', csrfTokenOf(page, 'GET /coach/workshops/new')],
      ['title', `Bench workshop ${new Date().toISOString()}`],
      ['assessment', assessment],
      ['roles', 'leader'],
      ['roles', 'team_member'],
      ['minimum', '5'],
      ['expected', String(Math.min(expected, 5000))],
    ]),
  });
  coach.jar.take(reply);
  const id = /^\/coach\/workshops\/([0-9a-f-]{36})$/.exec(String(reply.headers.location ?? ''))?.[1];
  if (reply.status !== 303 || !id) throw new Error(`POST /coach/workshops: ${reply.status} ${reply.headers.location ?? ''} ${reply.body.slice(0, 300)}`);
  const facilitator = await httpRequest(`${appUrl}/coach/workshops/${id}`, { agent: coach.agent, headers: { cookie: coach.jar.header() } });
  const shown = /<p class="join-code"[^>]*>\s*([A-Z0-9-]+)\s*<\/p>/.exec(facilitator.body)?.[1];
  if (facilitator.status !== 200 || !shown) throw new Error(`GET /coach/workshops/${id}: no join code (status ${facilitator.status})`);
  return { id, code: shown.replace(/-/g, '') };
}

interface Participant {
  index: number;
  role: 'leader' | 'team_member';
  token: string;
  agent: http.Agent;
  cookie: string;
  csrf: string;
}

async function joinWorkshop(appUrl: string, code: string, index: number, agent: http.Agent): Promise<{ participant: Participant; ms: number }> {
  const jar = new CookieJar();
  const home = await httpRequest(`${appUrl}/`, { agent });
  jar.take(home);
  const csrf = csrfTokenOf(home, 'GET /');
  const role = index % 2 === 0 ? 'leader' : 'team_member';
  const started = performance.now();
  const reply = await httpRequest(`${appUrl}/j/${code}`, {
    method: 'POST',
    agent,
    headers: { 'content-type': FORM, cookie: jar.header() },
    body: formBody([
      ['_csrf', csrf],
      ['role', role],
    ]),
  });
  const ms = performance.now() - started;
  jar.take(reply);
  const token = /^\/r\/([A-Za-z0-9_-]{43})\/start$/.exec(String(reply.headers.location ?? ''))?.[1];
  if (reply.status !== 303 || !token) {
    throw new Error(`participant ${index + 1}: POST /j/${code}: ${reply.status} ${reply.headers.location ?? ''} ${reply.body.slice(0, 300)}`);
  }
  return { participant: { index, role, token, agent, cookie: jar.header(), csrf }, ms };
}

// ---------------------------------------------------------------------------------------------
// Bursts

interface BurstClient {
  agent: http.Agent;
  /** The i-th request of this client. */
  request(i: number): { path: string; headers: Record<string, string>; body: string };
}

interface Burst {
  label: string;
  sent: number;
  ok: number;
  /** Answered, but not 2xx "Saved". */
  bad: number;
  errors: number;
  codes: Map<string, number>;
  samples: string[];
  wallMs: number;
  latency: Latency;
  serverMsPerReq?: number;
  postgresMsPerReq?: number;
  loadgenMsPerReq: number;
  /** Average cores kept busy by anything but the server in question, PostgreSQL and this process. */
  otherCores?: number;
}

/**
 * Every client starts at the same moment (one barrier) and sends its requests one after another
 * over its own connection. Connections are opened beforehand (a GET each), so the burst measures
 * the saves, not 500 TCP handshakes.
 */
async function burst(
  ctx: WorkshopContext,
  label: string,
  baseUrl: string,
  server: 'app' | 'bare',
  clients: readonly BurstClient[],
  perClient: number,
  primePath: string,
): Promise<Burst> {
  await Promise.all(
    clients.map(async (client) => {
      const reply = await httpRequest(baseUrl + primePath, { agent: client.agent, timeoutMs: 30_000 });
      if (reply.status !== 200) throw new Error(`${label}: priming GET ${primePath}: ${reply.status}`);
    }),
  );
  if (ctx.interrupted()) throw new Error('interrupted');

  const latencies = new Float64Array(clients.length * perClient);
  let answered = 0;
  const result = { ok: 0, bad: 0, errors: 0, codes: new Map<string, number>(), samples: [] as string[] };
  const note = (sample: string) => {
    if (result.samples.length < 5) result.samples.push(sample);
  };
  let release!: () => void;
  const barrier = new Promise<void>((resolve) => (release = resolve));
  const tasks = clients.map(async (client) => {
    await barrier;
    for (let i = 0; i < perClient; i++) {
      const next = client.request(i);
      const started = performance.now();
      try {
        const reply = await httpRequest(baseUrl + next.path, { method: 'POST', agent: client.agent, headers: next.headers, body: next.body, timeoutMs: 60_000 });
        latencies[answered++] = performance.now() - started;
        const code = String(reply.status);
        result.codes.set(code, (result.codes.get(code) ?? 0) + 1);
        if (reply.status >= 200 && reply.status < 300 && reply.body.includes('Saved')) result.ok++;
        else {
          result.bad++;
          note(`${reply.status}: ${reply.body.slice(0, 160)}`);
        }
      } catch (error) {
        result.errors++;
        note(error instanceof Error ? error.message : String(error));
        if (ctx.interrupted()) return;
      }
    }
  });
  const before = ctx.cpu(server);
  const started = performance.now();
  release();
  await Promise.all(tasks);
  const wallMs = performance.now() - started;
  const after = ctx.cpu(server);
  if (ctx.interrupted()) throw new Error('interrupted');
  const per = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : (b - a) / Math.max(1, answered));
  return {
    label,
    sent: clients.length * perClient,
    ...result,
    wallMs,
    latency: latencyOf(latencies.subarray(0, answered)),
    serverMsPerReq: per(before.server, after.server),
    postgresMsPerReq: per(before.postgres, after.postgres),
    loadgenMsPerReq: (after.loadgen - before.loadgen) / Math.max(1, answered),
    otherCores:
      before.machine === undefined || after.machine === undefined || before.server === undefined || after.server === undefined || before.postgres === undefined || after.postgres === undefined
        ? undefined
        : Math.max(0, after.machine - before.machine - (after.server - before.server) - (after.postgres - before.postgres) - (after.loadgen - before.loadgen)) / wallMs,
  };
}

function burstProblems(b: Burst): string[] {
  const problems: string[] = [];
  if (b.bad > 0) {
    const codes = [...b.codes].filter(([code]) => !code.startsWith('2')).map(([code, n]) => `${code}×${n}`);
    problems.push(`${b.label}: ${b.bad} replies not 2xx "Saved"${codes.length > 0 ? ` (${codes.join(', ')})` : ''}`);
  }
  if (b.errors > 0) problems.push(`${b.label}: ${b.errors} connection errors or timeouts`);
  if (b.ok !== b.sent) problems.push(`${b.label}: ${b.ok} of ${b.sent} saves succeeded`);
  if (problems.length > 0 && b.samples.length > 0) problems.push(`  sample replies: ${b.samples.join(' | ')}`);
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Facilitator view

interface Timed {
  label: string;
  latency: Latency;
  failures: number;
  bytes: number;
  sample?: string;
  /** CPU per request of the app and of PostgreSQL, and the cores everything else kept busy meanwhile. */
  appMsPerReq?: number;
  postgresMsPerReq?: number;
  otherCores?: number;
}

async function timeGets(
  ctx: WorkshopContext,
  coach: Coach,
  label: string,
  path: string,
  count: number,
  check: (body: string) => boolean,
): Promise<Timed> {
  const get = () => httpRequest(ctx.appUrl + path, { agent: coach.agent, headers: { cookie: coach.jar.header() }, timeoutMs: 30_000 });
  for (let i = 0; i < WARMUP_REQUESTS; i++) await get();
  const samples: number[] = [];
  let failures = 0;
  let bytes = 0;
  let sample: string | undefined;
  const before = ctx.cpu('app');
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const requested = performance.now();
    const reply = await get();
    samples.push(performance.now() - requested);
    bytes = Buffer.byteLength(reply.body);
    if (reply.status !== 200 || !check(reply.body)) {
      failures++;
      sample ??= `${reply.status}: ${reply.body.slice(0, 200)}`;
    }
  }
  const wallMs = performance.now() - started;
  const after = ctx.cpu('app');
  const delta = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : b - a);
  const app = delta(before.server, after.server);
  const postgres = delta(before.postgres, after.postgres);
  const machine = delta(before.machine, after.machine);
  return {
    label,
    latency: latencyOf(samples),
    failures,
    bytes,
    sample,
    appMsPerReq: app === undefined ? undefined : app / count,
    postgresMsPerReq: postgres === undefined ? undefined : postgres / count,
    otherCores:
      machine === undefined || app === undefined || postgres === undefined
        ? undefined
        : Math.max(0, machine - app - postgres - (after.loadgen - before.loadgen)) / wallMs,
  };
}

// ---------------------------------------------------------------------------------------------
// Database checks

interface Stored {
  rows: number;
  distinct: number;
  /** Rows whose value is not the one the last burst sent. */
  wrongValues: number;
}

async function storedAnswers(
  client: pg.Client,
  workshopId: string,
  participantOf: ReadonlyMap<string, number>,
  expected: (participant: number, checkpoint: string) => number,
): Promise<Stored> {
  const { rows: counts } = await client.query<{ rows: number; distinct: number }>(
    `select count(*)::int as rows, count(distinct (answers.response_id, answers.checkpoint_id))::int as distinct
       from answers join responses on responses.id = answers.response_id where responses.workshop_id = $1`,
    [workshopId],
  );
  const { rows } = await client.query<{ hash: string; checkpoint_id: string; kind: string; value: number | null }>(
    `select encode(responses.token_hash, 'hex') as hash, answers.checkpoint_id, answers.kind, answers.value
       from answers join responses on responses.id = answers.response_id where responses.workshop_id = $1`,
    [workshopId],
  );
  let wrongValues = 0;
  for (const row of rows) {
    const participant = participantOf.get(row.hash);
    if (participant === undefined || row.kind !== 'rating' || row.value !== expected(participant, row.checkpoint_id)) wrongValues++;
  }
  return { rows: counts[0]!.rows, distinct: counts[0]!.distinct, wrongValues };
}

async function storedBare(
  client: pg.Client,
  ids: readonly string[],
  expected: (client: number, checkpoint: string) => number,
): Promise<Stored> {
  const indexOf = new Map(ids.map((id, i) => [id, i]));
  const { rows } = await client.query<{ response_id: string; checkpoint_id: string; value: number | null }>(
    'select response_id, checkpoint_id, value from bench_answers where response_id = any($1::uuid[])',
    [ids],
  );
  const distinct = new Set(rows.map((r) => `${r.response_id}/${r.checkpoint_id}`)).size;
  const wrongValues = rows.filter((r) => r.value !== expected(indexOf.get(r.response_id) ?? -1, r.checkpoint_id)).length;
  return { rows: rows.length, distinct, wrongValues };
}

function storedProblems(label: string, stored: Stored, want: number): string[] {
  const problems: string[] = [];
  if (stored.rows !== want) problems.push(`${label}: ${stored.rows} answer rows, expected ${want}`);
  if (stored.rows !== stored.distinct) problems.push(`${label}: ${stored.rows - stored.distinct} duplicate (response, checkpoint) rows`);
  if (stored.wrongValues > 0) problems.push(`${label}: ${stored.wrongValues} rows do not hold the value last sent`);
  return problems;
}

// ---------------------------------------------------------------------------------------------

export async function workshopScenario(ctx: WorkshopContext): Promise<string[]> {
  const { appUrl, bareUrl } = ctx;
  const answers = ANSWERS;
  if (answers > ctx.checkpointIds.length) {
    throw new Error(`BENCH_ANSWERS=${answers} but the assessment has only ${ctx.checkpointIds.length} checkpoints`);
  }
  const checkpoints = ctx.checkpointIds.slice(0, answers);
  const checkpointIndex = new Map(checkpoints.map((id, i) => [id, i]));
  // Every participant answers every one of its checkpoints in both bursts, with different values.
  const valueOf = (round: 1 | 2) => (participant: number, checkpoint: string) =>
    (participant + (checkpointIndex.get(checkpoint) ?? Number.NaN) + (round === 1 ? 0 : 2)) % 5;

  const addresses = Math.ceil(PARTICIPANTS / JOINS_PER_ADDRESS);
  console.log(
    `\n\nWorkshop scenario: ${PARTICIPANTS} participants join, then all save ${answers} answers each at the same moment ` +
      `(${PARTICIPANTS} connections × ${answers} sequential requests), against the bare upsert with the same shape`,
  );

  const agents: http.Agent[] = [];
  const newAgent = (localAddress?: string) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1, localAddress });
    agents.push(agent);
    return agent;
  };
  const destroyAgents = async () => {
    for (const agent of agents.splice(0)) agent.destroy();
  };
  ctx.onCleanup('close the workshop scenario connections', destroyAgents);

  const check = new pg.Client({ connectionString: ctx.databaseUrl });
  check.on('error', () => {});
  await check.connect();
  ctx.onCleanup('close the workshop check connection', () => check.end().catch(() => {}));

  const problems: string[] = [];
  try {
    // Coach and workshop.
    const coach = await signUpCoach(appUrl, newAgent());
    const workshop = await createWorkshop(appUrl, coach, PARTICIPANTS, ctx.assessment);

    // Can we send from other loopback addresses? (Linux: yes, all of 127/8 is on lo.)
    const lastAddress = loopbackAddress(addresses - 1);
    try {
      await httpRequest(`${appUrl}/healthz`, { localAddress: lastAddress });
    } catch (error) {
      throw new Error(
        `cannot send from ${lastAddress} (${error instanceof Error ? error.message : String(error)}): the join limit of ` +
          `${JOINS_PER_ADDRESS * 2} per address needs ${addresses} loopback addresses; lower BENCH_PARTICIPANTS`,
      );
    }

    // Joins: one worker per address, its participants one after another.
    process.stdout.write(`Joining: ${PARTICIPANTS} participants from ${addresses} loopback addresses (${loopbackAddress(0)}–${lastAddress})… `);
    const participants: Participant[] = new Array(PARTICIPANTS);
    const joinMs: number[] = [];
    const joinStarted = performance.now();
    await Promise.all(
      Array.from({ length: addresses }, async (_, a) => {
        for (let i = a * JOINS_PER_ADDRESS; i < Math.min(PARTICIPANTS, (a + 1) * JOINS_PER_ADDRESS); i++) {
          if (ctx.interrupted()) return;
          const { participant, ms } = await joinWorkshop(appUrl, workshop.code, i, newAgent(loopbackAddress(a)));
          participants[i] = participant;
          joinMs.push(ms);
        }
      }),
    );
    if (ctx.interrupted()) throw new Error('interrupted');
    const joinWall = (performance.now() - joinStarted) / 1000;
    const joinLatency = latencyOf(joinMs);
    console.log(`done in ${joinWall.toFixed(1)} s (join POST p50 ${fmt(joinLatency.p50, 1)} ms, p99 ${fmt(joinLatency.p99, 1)} ms)`);
    const { rows: joinedRows } = await check.query<{ n: number }>('select count(*)::int as n from responses where workshop_id = $1', [workshop.id]);
    if (joinedRows[0]!.n !== PARTICIPANTS) problems.push(`join: ${joinedRows[0]!.n} responses in the workshop, expected ${PARTICIPANTS}`);
    const participantOf = new Map(participants.map((p) => [hashPrivateToken(p.token).toString('hex'), p.index]));

    const autosaveClients = (round: 1 | 2): BurstClient[] =>
      participants.map((p) => ({
        agent: p.agent,
        request: (i) => {
          const checkpointId = checkpoints[i]!;
          return {
            path: `/r/${p.token}/checkpoints/${encodeURIComponent(checkpointId)}`,
            headers: { 'content-type': FORM, 'hx-request': 'true', 'x-csrf-token': p.csrf, 'sec-fetch-site': 'same-origin', cookie: p.cookie },
            body: `${encodeURIComponent(`answer:${checkpointId}`)}=${valueOf(round)(p.index, checkpointId)}`,
          };
        },
      }));
    const bareIds = Array.from({ length: PARTICIPANTS }, () => randomUUID());
    const bareAgents = bareIds.map(() => newAgent());
    const bareClients = (round: 1 | 2): BurstClient[] =>
      bareIds.map((id, index) => ({
        agent: bareAgents[index]!,
        request: (i) => {
          const checkpointId = checkpoints[i]!;
          return {
            path: `/bare/${id}/${encodeURIComponent(checkpointId)}`,
            headers: { 'content-type': FORM },
            body: `value=${valueOf(round)(index, checkpointId)}`,
          };
        },
      }));

    const bursts: Burst[] = [];
    const stored: { label: string; want: number; stored: Stored }[] = [];
    for (const round of [1, 2] as const) {
      const what = round === 1 ? 'first saves (inserts)' : 'the same saves again, other values (updates)';
      for (const [name, run] of [
        ['autosave', () => burst(ctx, `burst ${round} autosave`, appUrl, 'app', autosaveClients(round), answers, '/healthz')],
        ['bare', () => burst(ctx, `burst ${round} bare`, bareUrl, 'bare', bareClients(round), answers, '/readyz')],
      ] as const) {
        process.stdout.write(`Burst ${round}, ${what}: ${name.padEnd(8)} `);
        const b = await run();
        bursts.push(b);
        problems.push(...burstProblems(b));
        console.log(`${fmt(b.ok)}/${b.sent} saved in ${(b.wallMs / 1000).toFixed(1)} s, p50 ${fmt(b.latency.p50, 1)} ms, p99 ${fmt(b.latency.p99, 1)} ms`);
      }
      const want = PARTICIPANTS * answers;
      const app = await storedAnswers(check, workshop.id, participantOf, valueOf(round));
      const bare = await storedBare(check, bareIds, valueOf(round));
      stored.push({ label: `after burst ${round}: autosave (answers)`, want, stored: app }, { label: `after burst ${round}: bare (bench_answers)`, want, stored: bare });
      problems.push(...storedProblems(`after burst ${round} autosave`, app, want), ...storedProblems(`after burst ${round} bare`, bare, want));
    }

    // Facilitator view at this size: first as the bursts left the tables (as during a workshop, before
    // autovacuum/autoanalyze have caught up), then after VACUUM ANALYZE of the two tables it reads.
    process.stdout.write(`Facilitator view: ${LIVE_REQUESTS} × live fragment, ${PAGE_REQUESTS} × full page, one after another… `);
    const joinedMark = `<strong>${PARTICIPANTS}</strong> joined`;
    const base = `/coach/workshops/${workshop.id}`;
    const timeLive = (label: string) => timeGets(ctx, coach, label, `${base}/live?basis=votes`, LIVE_REQUESTS, (body) => body.includes(joinedMark));
    // The session cookie is signed by @fastify/cookie: "<token>.<signature>", URL-encoded.
    const signed = decodeURIComponent(coach.jar.get('sp_session') ?? '');
    const sessionToken = signed.includes('.') ? signed.slice(0, signed.lastIndexOf('.')) : undefined;
    // Where the time goes is a diagnosis: it never fails the run.
    const profile = () =>
      profileLiveView({ databaseUrl: ctx.databaseUrl, workshopId: workshop.id, sessionToken, runs: PROFILE_RUNS }).catch((error: unknown) => {
        console.log(`\n(live view breakdown unavailable: ${error instanceof Error ? error.message : String(error)})`);
        return undefined;
      });
    // The plans of the two heavy queries when the live view is timed (autoanalyze may change them meanwhile).
    const plansNow = () => heavyQueryPlans(ctx.databaseUrl, workshop.id, ctx.checkpointIds.length).catch(() => []);
    const tablesBefore = await tableStates(ctx.databaseUrl);
    const livePlansBefore = await plansNow();
    const live = await timeLive('live fragment (/live)');
    const livePlansAfter = await plansNow();
    const tablesAfterLive = await tableStates(ctx.databaseUrl);
    const page = await timeGets(ctx, coach, 'full page', base, PAGE_REQUESTS, (body) => body.includes(joinedMark) && body.includes('class="join-code"'));
    const profileBefore = await profile();
    process.stdout.write('VACUUM ANALYZE… ');
    await check.query('vacuum analyze answers, responses');
    const tablesAfter = await tableStates(ctx.databaseUrl);
    const liveAfter = await timeLive('live fragment after VACUUM ANALYZE');
    const profileAfter = await profile();
    console.log('done');
    for (const t of [live, page, liveAfter]) {
      if (t.failures > 0) problems.push(`facilitator ${t.label}: ${t.failures} replies not 200 with "${joinedMark}" (${t.sample ?? ''})`);
    }

    // Report.
    const fmtMs = (n: number) => fmt(n, n < 100 ? 1 : 0);
    console.log(`\nSaves at the same moment: ${PARTICIPANTS} clients × ${answers} requests, each client on its own keep-alive connection`);
    console.log(
      table([
        ['burst', 'requests', '2xx Saved', 'non-2xx', 'errors', 'wall s', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'server ms/req', 'PostgreSQL ms/req', 'loadgen ms/req', 'other cores'],
        ...bursts.map((b) => [
          b.label,
          String(b.sent),
          String(b.ok),
          String(b.bad),
          String(b.errors),
          (b.wallMs / 1000).toFixed(1),
          fmt(b.latency.count / (b.wallMs / 1000)),
          fmtMs(b.latency.p50),
          fmtMs(b.latency.p95),
          fmtMs(b.latency.p99),
          fmtMs(b.latency.max),
          fmt(b.serverMsPerReq, 2),
          fmt(b.postgresMsPerReq, 2),
          fmt(b.loadgenMsPerReq, 2),
          fmt(b.otherCores, 2),
        ]),
      ]),
    );
    console.log(
      '  latency: from sending a request to its reply\'s last byte, every request; server: the app or the bare server process;\n' +
        '  other cores: anything else on the machine (other jobs, kernel networking), above ~0.5 the latencies are noisy.',
    );
    console.log('\nautosave / bare, same burst');
    const ratioRows = ([1, 2] as const).map((round) => {
      const a = bursts.find((b) => b.label === `burst ${round} autosave`)!;
      const b = bursts.find((x) => x.label === `burst ${round} bare`)!;
      const r = (x: number, y: number) => `${(x / y).toFixed(2)}×`;
      return [
        `burst ${round}`,
        r(a.latency.count / a.wallMs, b.latency.count / b.wallMs),
        r(a.latency.p50, b.latency.p50),
        r(a.latency.p95, b.latency.p95),
        r(a.latency.p99, b.latency.p99),
        r(a.wallMs, b.wallMs),
      ];
    });
    console.log(table([['burst', 'req/s', 'p50', 'p95', 'p99', 'wall time'], ...ratioRows]));

    console.log(`\nStored (expected ${PARTICIPANTS} × ${answers} = ${PARTICIPANTS * answers} rows each, one per (response, checkpoint), each holding the value last sent)`);
    for (const s of stored) {
      console.log(`  ${s.label.padEnd(40)} ${s.stored.rows} rows, ${s.stored.distinct} distinct, ${s.stored.wrongValues} with another value`);
    }

    console.log(
      `\nFacilitator view at ${PARTICIPANTS} participants (${PARTICIPANTS * answers} answers): sequential requests over one keep-alive ` +
        `connection, after ${WARMUP_REQUESTS} warm-up requests each`,
    );
    console.log(
      table([
        ['view', 'requests', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'mean ms', 'size KB', 'failed', 'app ms/req', 'PostgreSQL ms/req', 'other cores'],
        ...[live, page, liveAfter].map((t) => [
          t.label,
          String(t.latency.count),
          fmtMs(t.latency.p50),
          fmtMs(t.latency.p95),
          fmtMs(t.latency.p99),
          fmtMs(t.latency.max),
          fmtMs(t.latency.mean),
          fmt(t.bytes / 1024, 0),
          String(t.failures),
          fmt(t.appMsPerReq, 1),
          fmt(t.postgresMsPerReq, 1),
          fmt(t.otherCores, 2),
        ]),
      ]),
    );
    console.log(`  tables as the bursts left them:   ${tablesBefore.join('; ')}`);
    console.log(`  after the first live measurement: ${tablesAfterLive.join('; ')}`);
    console.log(`  after VACUUM ANALYZE:             ${tablesAfter.join('; ')}`);
    for (const { query, plan } of livePlansBefore) {
      const after = livePlansAfter.find((p) => p.query === query)?.plan;
      console.log(`  plan of ${query} when the first live measurement started: ${plan}${after && after !== plan ? `; when it ended: ${after}` : ' (same when it ended)'}`);
    }
    const met = live.latency.p95 <= GOAL_LIVE_P95_MS;
    console.log(
      `\nlive view p95: ${fmtMs(live.latency.p95)} ms   goal ≤ ${GOAL_LIVE_P95_MS} ms   ${met ? 'MET' : 'NOT MET'}` +
        `   (after VACUUM ANALYZE: ${fmtMs(liveAfter.latency.p95)} ms, ${liveAfter.latency.p95 <= GOAL_LIVE_P95_MS ? 'met' : 'not met'})`,
    );
    const metP99 = live.latency.p99 <= GOAL_LIVE_P99_MS;
    console.log(
      `live view p99 right after the burst, before any VACUUM: ${fmtMs(live.latency.p99)} ms   goal ≤ ${GOAL_LIVE_P99_MS} ms   ${metP99 ? 'MET' : 'NOT MET'}` +
        `   (after VACUUM ANALYZE: ${fmtMs(liveAfter.latency.p99)} ms)`,
    );

    if (profileBefore && profileAfter) {
      console.log(`\nWhere the live view's time goes: the route's steps, run in the bench process on the same database, ${PROFILE_RUNS} times each`);
      const after = new Map(profileAfter.map((p) => [p.step, p]));
      console.log(
        table([
          ['step', 'p50 ms', 'p95 ms', 'PostgreSQL ms', 'after VACUUM ANALYZE: p50', 'p95', 'PostgreSQL', 'rows'],
          ...profileBefore.map((p) => {
            const q = after.get(p.step);
            return [p.step, fmt(p.latency.p50, 1), fmt(p.latency.p95, 1), fmt(p.serverMs, 1), fmt(q?.latency.p50, 1), fmt(q?.latency.p95, 1), fmt(q?.serverMs, 1), p.rows === undefined ? '' : String(p.rows)];
          }),
        ]),
      );
      const sum = (profile: ProfileStep[]) => {
        const p50 = (step: string) => profile.find((p) => p.step.startsWith(step))?.latency.p50 ?? 0;
        return p50('session') + p50('workshop') + p50('the four') + p50('groupView') + p50('Handlebars');
      };
      console.log(
        '  PostgreSQL ms: execution + planning by EXPLAIN (ANALYZE, TIMING OFF), p50 of 10 runs after the timed ones; the rest of a\n' +
          '  query step is the round trip and turning rows into objects. Plans are taken before and after the timed runs.\n' +
          '  The route runs session → workshop → the four together → groupView → Handlebars:\n' +
          `  those p50s add up to ${fmt(sum(profileBefore), 1)} ms (HTTP p50 ${fmt(live.latency.p50, 1)} ms), after VACUUM ANALYZE ` +
          `${fmt(sum(profileAfter), 1)} ms (HTTP p50 ${fmt(liveAfter.latency.p50, 1)} ms); the rest is Fastify, cookies and the socket.`,
      );
      for (const [label, profile] of [['as left', profileBefore], ['after VACUUM ANALYZE', profileAfter]] as const) {
        for (const p of profile.filter((x) => x.step === 'participationIn' || x.step === 'answerCountsIn')) {
          console.log(`  plan of ${p.step}, ${label}: ${p.plan ?? 'n/a'}`);
        }
      }
    }

    if (problems.length > 0) console.log(`\nFAILED workshop checks:\n  ${problems.join('\n  ')}`);
    else {
      console.log(
        `\nWorkshop correctness: ${PARTICIPANTS} joined; every save of both bursts answered 2xx "Saved"; ` +
          `${PARTICIPANTS * answers} rows, none duplicated, all holding the second burst's values.`,
      );
    }
    return problems;
  } finally {
    await destroyAgents();
    await check.end().catch(() => {});
  }
}
