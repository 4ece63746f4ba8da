import { Kysely, PostgresDialect, type CompiledQuery } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../server/data/database.js';
import { answerCountsIn, consensusIn, notesIn, participationIn } from '../../server/data/workshops.js';
import { startTestApp, type TestApp } from '../support/app.js';

/**
 * The facilitator's live view is polled every 4 s, also right after a burst of answers, when
 * the planner's statistics do not know the new rows yet. Its counting queries must have no plan
 * choice that depends on them: each reads one table through its workshop index, no joins.
 */

let t: TestApp;
let db: Kysely<Database>;
const seen: CompiledQuery[] = [];

beforeAll(async () => {
  t = await startTestApp();
  const pool = new pg.Pool({ connectionString: t.database.url, max: 2 });
  db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    log: (event) => {
      if (event.level === 'query') seen.push(event.query);
    },
  });
});
afterAll(async () => {
  await db?.destroy();
  await t?.close();
});

function nodeTypes(plan: Record<string, unknown>): string[] {
  const children = (plan.Plans as Record<string, unknown>[] | undefined) ?? [];
  return [String(plan['Node Type']), ...children.flatMap(nodeTypes)];
}

describe('the live view’s counting queries', () => {
  it.each([
    ['participationIn', (id: string) => participationIn(db, id, 40)],
    ['answerCountsIn', (id: string) => answerCountsIn(db, id)],
    ['notesIn', (id: string) => notesIn(db, id)],
    ['consensusIn', (id: string) => consensusIn(db, id)],
  ] as const)('%s reads single tables: no join whose plan the statistics could turn into a nested loop', async (_name, run) => {
    // A workshop with a participant, so every query of the function runs.
    const { rows: made } = await t.app.pg.pool.query<{ id: string }>(
      `with u as (insert into users (email, display_name, password_hash) values ($1, 'C', 'x') returning id),
            w as (insert into workshops (owner_id, title, assessment_id, assessment_version, roles, anonymity_minimum, join_code)
                  select id, 'T', 'ai-native-maturity', 1, '{leader}', 5, $2 from u returning id)
       insert into responses (token_hash, assessment_id, assessment_version, workshop_id, role)
       select sha256(convert_to($1, 'UTF8')), 'ai-native-maturity', 1, id, 'leader' from w returning workshop_id as id`,
      [`${_name.toLowerCase()}@example.com`, _name.toUpperCase().padEnd(10, 'Z').slice(0, 10)],
    );
    const workshopId = made[0]!.id;
    seen.length = 0;
    await run(workshopId);
    expect(seen.length).toBeGreaterThan(0);
    for (const query of [...seen]) {
      const { rows } = await db.executeQuery<{ 'QUERY PLAN': [{ Plan: Record<string, unknown> }] }>({
        ...query,
        sql: `explain (format json) ${query.sql}`,
      });
      const types = nodeTypes(rows[0]!['QUERY PLAN'][0].Plan);
      expect(types.filter((type) => /Join|Nested Loop/.test(type)), `${query.sql}\n${types.join(' > ')}`).toEqual([]);
    }
  });
});
