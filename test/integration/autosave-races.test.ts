import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../server/data/database.js';
import { createResponse } from '../../server/data/responses.js';
import { hashPrivateToken } from '../../server/private-links.js';
import type { Definition } from '../../server/domain/definition.js';
import { startTestApp, Visitor, type TestApp } from '../support/app.js';

/**
 * Autosave ordering is the server's: a page carries the revision of each answer and note it
 * showed, and a save replaces only what that page saw. Never "Saved" for a save not stored.
 */

let t: TestApp;
let definition: Definition;
let checkpoint: string;

beforeAll(async () => {
  t = await startTestApp();
  definition = t.app.assessments.latestOf('ai-native-maturity')!;
  checkpoint = definition.phases[0]!.prerequisites[0]!.id;
});
afterAll(async () => t?.close());

async function stored(privatePath: string) {
  const token = privatePath.split('/').at(-1)!;
  return (await t.app.inject({ url: `/api/responses/${token}/answers` })).json().answers as {
    checkpointId: string;
    answer: unknown;
    evidence: string | null;
  }[];
}

/** The revisions the phase page shows for the checkpoint. */
function revisionsOn(page: string, id: string) {
  const fieldset = new RegExp(`id="cp-${id}"[\\s\\S]*?data-answer-rev="(\\d+)" data-note-rev="(\\d+)"`).exec(page);
  return { answer: fieldset![1]!, note: fieldset![2]! };
}

/** Two devices with the same private link, each with the phase page open. */
async function twoDevices() {
  const a = new Visitor(t.app, '192.0.2.1');
  const path = await a.startAssessment();
  const b = new Visitor(t.app, '192.0.2.2');
  const phase = `${path}/phases/${definition.phases[0]!.id}`;
  const pageA = await a.get(phase);
  const pageB = await b.get(phase);
  return { a, b, path, url: `${path}/checkpoints/${checkpoint}`, pageA: pageA.body, pageB: pageB.body, phase };
}

describe('two devices on one private link', () => {
  it('the page carries the server revisions; a stale device is told, not answered "Saved", and nothing is lost', async () => {
    const { a, b, path, url, pageA, pageB, phase } = await twoDevices();
    expect(revisionsOn(pageA, checkpoint)).toEqual({ answer: '0', note: '0' });

    const first = await a.autosave(url, { [`answer:${checkpoint}`]: '3', answer_rev: '0', note_rev: '0' });
    expect(first.statusCode).toBe(200);
    expect(first.body).toContain('Saved');
    expect(first.headers['x-answer-revision']).toBe('1');

    // B still shows the page from before A's save: its save is refused, and says so.
    const stale = await b.autosave(url, { [`answer:${checkpoint}`]: '1', answer_rev: revisionsOn(pageB, checkpoint).answer, note_rev: '0' });
    expect(stale.statusCode).toBe(412);
    expect(stale.body).not.toContain('Saved');
    expect(stale.body).toContain('changed on another device');
    expect(await stored(path)).toEqual([{ checkpointId: checkpoint, answer: 3, evidence: null }]);

    // After reloading, B sees A's answer and its revision, and can change it.
    const reloaded = await b.get(phase);
    expect(reloaded.body).toMatch(new RegExp(`id="cp-${checkpoint}-3" name="[^"]+" value="3" checked`));
    const again = await b.autosave(url, { [`answer:${checkpoint}`]: '1', answer_rev: revisionsOn(reloaded.body, checkpoint).answer, note_rev: '0' });
    expect(again.statusCode).toBe(200);
    expect(await stored(path)).toEqual([{ checkpointId: checkpoint, answer: 1, evidence: null }]);
  });

  it('a device whose clock runs fast does not win: the old clock revision is ignored', async () => {
    const { a, b, path, url } = await twoDevices();
    const fast = await a.autosave(url, { [`answer:${checkpoint}`]: '4', rev: String(Date.now() + 86_400_000), answer_rev: '0' });
    expect(fast.statusCode).toBe(200);
    const page = await b.get(`${path}/phases/${definition.phases[0]!.id}`);
    const later = await b.autosave(url, { [`answer:${checkpoint}`]: '2', rev: '1', answer_rev: revisionsOn(page.body, checkpoint).answer });
    expect(later.statusCode).toBe(200);
    expect(await stored(path)).toEqual([{ checkpointId: checkpoint, answer: 2, evidence: null }]);
  });

  it('a note typed on one device and an option chosen on the other both stay', async () => {
    const { a, b, path, url, pageB } = await twoDevices();
    expect((await a.autosave(url, { [`evidence:${checkpoint}`]: 'From device A', note_rev: '0' })).statusCode).toBe(200);
    const choose = await b.autosave(url, { [`answer:${checkpoint}`]: '2', answer_rev: revisionsOn(pageB, checkpoint).answer });
    expect(choose.statusCode).toBe(200);
    expect(await stored(path)).toEqual([{ checkpointId: checkpoint, answer: 2, evidence: 'From device A' }]);
  });

  it('the same save sent twice (a retry) is "Saved" both times and stored once', async () => {
    const { a, path, url } = await twoDevices();
    const fields = { [`answer:${checkpoint}`]: 'dontknow', answer_rev: '0' };
    expect((await a.autosave(url, fields)).statusCode).toBe(200);
    const retry = await a.autosave(url, fields);
    expect(retry.statusCode).toBe(200);
    expect(retry.headers['x-answer-revision']).toBe('1');
    expect(await stored(path)).toEqual([{ checkpointId: checkpoint, answer: 'dontknow', evidence: null }]);
  });

  it('concurrent saves from two devices that saw the same revision: exactly one is "Saved", and it is what is stored', async () => {
    const { a, b, path, url } = await twoDevices();
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? a : b).autosave(url, { [`answer:${checkpoint}`]: String(i % 5), answer_rev: '0' }).then((r) => ({ i, status: r.statusCode })),
      ),
    );
    const saved = replies.filter((r) => r.status === 200);
    const values = new Set(saved.map((r) => r.i % 5));
    expect(values.size).toBe(1); // every "Saved" is for the one value stored (retries of it included)
    expect(replies.every((r) => r.status === 200 || r.status === 412)).toBe(true);
    expect(await stored(path)).toEqual([{ checkpointId: checkpoint, answer: [...values][0], evidence: null }]);
  });
});

describe('what the autosave route accepts', () => {
  it('a JSON or text body gets 415 and stores nothing; an empty form gets 400', async () => {
    const { a, path, url } = await twoDevices();
    const headers = (type: string) => ({
      'content-type': type,
      cookie: (a as unknown as { cookieHeader(): string }).cookieHeader(),
      'x-csrf-token': a.csrfToken,
      'hx-request': 'true',
    });
    const json = await t.app.inject({ method: 'POST', url, headers: headers('application/json'), payload: JSON.stringify({ [`answer:${checkpoint}`]: '3' }) });
    expect(json.statusCode).toBe(415);
    expect(json.body).not.toContain('Saved');
    const text = await t.app.inject({ method: 'POST', url, headers: headers('text/plain'), payload: `answer:${checkpoint}=3` });
    expect(text.statusCode).toBe(415);
    const empty = await a.autosave(url, {});
    expect(empty.statusCode).toBe(400);
    expect(empty.body).not.toContain('Saved');
    expect(await stored(path)).toEqual([]);
  });
});

describe('POST /api/responses with one Idempotency-Key, 40 at once', () => {
  it('all succeed (one 201, the rest 200) with one token (tried with 25 keys)', async () => {
    for (let round = 0; round < 25; round++) {
      const key = `6f1c2b9e-3d4a-4f5b-8c7d-${String(round).padStart(12, '0')}`;
      const replies = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          t.app.inject({
            method: 'POST',
            url: '/api/responses',
            remoteAddress: `10.${round}.0.${i}`, // each under the per-address start limit
            headers: { 'content-type': 'application/json', 'idempotency-key': key },
            payload: JSON.stringify({ assessmentId: 'ai-native-maturity' }),
          }),
        ),
      );
      const statuses = replies.map((r) => r.statusCode);
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s === 200)).toHaveLength(39);
      expect(new Set(replies.map((r) => r.json().token)).size).toBe(1);
    }
  });
});

describe('createResponse with one creation key, from 40 connections at once', () => {
  it('never fails on the token’s unique key: every call gets the one response (100 keys)', async () => {
    const pool = new pg.Pool({ connectionString: t.database.url, max: 40 });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    try {
      for (let round = 0; round < 100; round++) {
        const key = `key-${round}`;
        const results = await Promise.allSettled(
          Array.from({ length: 40 }, () =>
            createResponse(db, { tokenHash: hashPrivateToken(`token-${round}`), assessmentId: 'ai-native-maturity', assessmentVersion: 1, creationKey: key }),
          ),
        );
        expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
        const ids = new Set(results.map((r) => (r as PromiseFulfilledResult<{ response: { id: string } }>).value.response.id));
        expect(ids.size).toBe(1);
      }
    } finally {
      await db.destroy();
    }
  });
});

describe('CSRF on the autosave route: Fetch Metadata for htmx, the token otherwise', () => {
  async function post(url: string, headers: Record<string, string>) {
    return t.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      payload: `answer:${checkpoint}=2`,
    });
  }

  it('a same-origin htmx request needs no token; cross-site, or same-site without htmx, is refused without one', async () => {
    const { path, url } = await twoDevices();
    expect((await post(url, { 'hx-request': 'true', 'sec-fetch-site': 'cross-site' })).statusCode).toBe(403);
    expect((await post(url, { 'hx-request': 'true', 'sec-fetch-site': 'same-site' })).statusCode).toBe(403);
    expect((await post(url, { 'sec-fetch-site': 'same-origin' })).statusCode).toBe(403);
    expect((await post(url, { 'hx-request': 'true', origin: 'https://evil.example' })).statusCode).toBe(403);
    expect((await post(url, { 'hx-request': 'true' })).statusCode).toBe(403);
    expect(await stored(path)).toEqual([]);
    const ok = await post(url, { 'hx-request': 'true', 'sec-fetch-site': 'same-origin' });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('Saved');
    const viaOrigin = await post(url, { 'hx-request': 'true', origin: 'http://localhost:80' });
    expect(viaOrigin.statusCode).toBe(200);
    expect(await stored(path)).toEqual([{ checkpointId: checkpoint, answer: 2, evidence: null }]);
  });
});
