import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './database.js';

describe('test database infrastructure', () => {
  let first: TestDatabase;
  let second: TestDatabase;
  let a: pg.Pool;
  let b: pg.Pool;

  beforeAll(async () => {
    [first, second] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    a = new pg.Pool({ connectionString: first.url, max: 2 });
    b = new pg.Pool({ connectionString: second.url, max: 2 });
  });

  afterAll(async () => {
    await Promise.all([a?.end(), b?.end()]);
    await Promise.all([first?.drop(), second?.drop()]);
  });

  it('creates two distinct databases', async () => {
    expect(first.url).not.toBe(second.url);
    const [{ rows: ra }, { rows: rb }] = await Promise.all([
      a.query<{ db: string }>('select current_database() as db'),
      b.query<{ db: string }>('select current_database() as db'),
    ]);
    expect(ra[0]!.db).toBe(first.name);
    expect(rb[0]!.db).toBe(second.name);
  });

  it('clones the migrated schema into each', async () => {
    for (const pool of [a, b]) {
      const { rows } = await pool.query<{ t: string | null }>(`select to_regclass('public.responses')::text as t`);
      expect(rows[0]!.t).toBe('responses');
    }
  });

  it('keeps writes in one database out of the other', async () => {
    await a.query(
      `insert into responses (token_hash, assessment_id, assessment_version) values ($1, 'infra-test', 1)`,
      [Buffer.from('infra-test-token')],
    );
    const count = async (pool: pg.Pool) =>
      Number((await pool.query<{ n: string }>(`select count(*) as n from responses where assessment_id = 'infra-test'`)).rows[0]!.n);
    expect(await count(a)).toBe(1);
    expect(await count(b)).toBe(0);
  });

  it('runs with synchronous_commit on', async () => {
    const { rows } = await a.query<{ synchronous_commit: string }>('show synchronous_commit');
    expect(rows[0]!.synchronous_commit).toBe('on');
  });
});
