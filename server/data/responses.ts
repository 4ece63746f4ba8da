import { sql, type Kysely, type Transaction } from 'kysely';
import type { Pool } from 'pg';
import type { Answer } from '../domain/answers.js';
import type { Database, ParticipantRole } from './database.js';

type Db = Kysely<Database> | Transaction<Database>;

export interface ResponseRecord {
  id: string;
  assessmentId: string;
  assessmentVersion: number;
  /** Set when this is a workshop participant's response. */
  workshopId: string | null;
  role: ParticipantRole | null;
  /** Set when this response answers for a team in an organisation's round. */
  organisationId: string | null;
  roundId: string | null;
  lastStep: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const responseColumns = [
  'id',
  'assessment_id as assessmentId',
  'assessment_version as assessmentVersion',
  'workshop_id as workshopId',
  'role',
  'organisation_id as organisationId',
  'round_id as roundId',
  'last_step as lastStep',
  'created_at as createdAt',
  'updated_at as updatedAt',
] as const;

/**
 * Create a response. With a creation key (an API client's Idempotency-Key), a
 * retried request returns the response the first one created: `created` tells which.
 */
export async function createResponse(
  db: Db,
  input: {
    tokenHash: Buffer;
    assessmentId: string;
    assessmentVersion: number;
    creationKey?: string;
    participant?: { workshopId: string; role: ParticipantRole; code: string; onRecord?: boolean };
  },
): Promise<{ response: ResponseRecord; created: boolean }> {
  const inserted = await db
    .insertInto('responses')
    .values({
      token_hash: input.tokenHash,
      assessment_id: input.assessmentId,
      assessment_version: input.assessmentVersion,
      creation_key: input.creationKey ?? null,
      workshop_id: input.participant?.workshopId ?? null,
      role: input.participant?.role ?? null,
      participant_code: input.participant?.code ?? null,
      on_record: input.participant?.onRecord ?? false,
    })
    .onConflict((oc) => oc.column('creation_key').doNothing())
    .returning(responseColumns)
    .executeTakeFirst();
  if (inserted) return { response: inserted, created: true };
  const existing = await db
    .selectFrom('responses')
    .select(responseColumns)
    .where('creation_key', '=', input.creationKey ?? '')
    .executeTakeFirstOrThrow();
  return { response: existing, created: false };
}

export async function findResponseByTokenHash(db: Db, tokenHash: Buffer): Promise<ResponseRecord | undefined> {
  return db.selectFrom('responses').select(responseColumns).where('token_hash', '=', tokenHash).executeTakeFirst();
}

export async function setLastStep(db: Db, responseId: string, step: string): Promise<void> {
  await db
    .updateTable('responses')
    .set({ last_step: step })
    .where('id', '=', responseId)
    .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '!=', step)]))
    .execute();
}

/**
 * Store one answer: one row per (response, checkpoint), so the same request
 * twice leaves one answer. With a client revision, a save that arrives after
 * a newer one is ignored; without one (a plain form, the API) it always applies.
 * Returns when PostgreSQL has committed it.
 */
/** The response an answer belongs to, with what is copied onto each of its answers. */
export type AnswerOwner = Pick<ResponseRecord, 'id' | 'workshopId' | 'role'>;

export async function saveAnswer(
  db: Db,
  owner: AnswerOwner,
  checkpointId: string,
  answer: Answer,
  clientRev: number | null = null,
): Promise<void> {
  const value = answer.kind === 'rating' ? answer.value : null;
  await db
    .insertInto('answers')
    .values({
      response_id: owner.id,
      checkpoint_id: checkpointId,
      kind: answer.kind,
      value,
      client_rev: clientRev,
      workshop_id: owner.workshopId,
      role: owner.role,
    })
    .onConflict((oc) =>
      oc
        .columns(['response_id', 'checkpoint_id'])
        .doUpdateSet({ kind: answer.kind, value, client_rev: clientRev, updated_at: sql`now()` })
        .where(newerRevision('answers')),
    )
    .execute();
}

/** Only replace a stored value with a save that is not older than it. */
function newerRevision(table: 'answers' | 'evidence_notes') {
  return sql<boolean>`(excluded.client_rev is null or ${sql.ref(`${table}.client_rev`)} is null or ${sql.ref(`${table}.client_rev`)} <= excluded.client_rev)`;
}

/** One checkpoint's answer and note, saved together (one transaction when both are sent). */
export async function saveCheckpoint(
  db: Kysely<Database>,
  owner: AnswerOwner,
  checkpointId: string,
  input: { answer?: Answer; note?: string; clientRev?: number | null },
): Promise<void> {
  const { answer, note, clientRev = null } = input;
  if (!answer && note === undefined) return;
  await db.transaction().execute(async (trx) => {
    await lockOpenWorkshop(trx, owner);
    if (answer) await saveAnswer(trx, owner, checkpointId, answer, clientRev);
    if (note !== undefined) await saveEvidence(trx, owner.id, checkpointId, note, clientRev);
  });
}

/** Thrown inside a save when the response's workshop has closed: nothing was written. */
export class WorkshopClosedError extends Error {
  override name = 'WorkshopClosedError';
}

/**
 * For a workshop participant: hold the workshop row (FOR SHARE) for the rest of
 * the transaction and refuse if it is closed. Closing updates that row, so it
 * waits for saves in flight, and a save that starts after it sees "closed".
 */
async function lockOpenWorkshop(trx: Transaction<Database>, owner: AnswerOwner): Promise<void> {
  await lockOpenRound(trx, owner);
  if (!owner.workshopId) return;
  const row = await trx
    .selectFrom('workshops')
    .select('status')
    .where('id', '=', owner.workshopId)
    .forShare()
    .executeTakeFirst();
  if (row?.status !== 'open') throw new WorkshopClosedError('workshop closed');
}

/** For a response in an organisation's round: the same check against the round (closing it updates its row). */
async function lockOpenRound(trx: Transaction<Database>, owner: AnswerOwner): Promise<void> {
  const row = await trx
    .selectFrom('rounds')
    .innerJoin('responses', (j) =>
      j.onRef('responses.organisation_id', '=', 'rounds.organisation_id').onRef('responses.round_id', '=', 'rounds.id'),
    )
    .select('rounds.status')
    .where('responses.id', '=', owner.id)
    .forShare('rounds')
    .executeTakeFirst();
  if (row && row.status !== 'open') throw new WorkshopClosedError('round closed');
}

/** Save a set of answers and notes in one transaction (a whole phase form). */
export async function saveAnswers(
  db: Kysely<Database>,
  owner: AnswerOwner,
  answers: ReadonlyMap<string, Answer>,
  notes: ReadonlyMap<string, string>,
): Promise<void> {
  if (answers.size === 0 && notes.size === 0) return;
  await db.transaction().execute(async (trx) => {
    await lockOpenWorkshop(trx, owner);
    if (answers.size > 0) {
      await trx
        .insertInto('answers')
        .values(
          [...answers].map(([checkpointId, answer]) => ({
            response_id: owner.id,
            workshop_id: owner.workshopId,
            role: owner.role,
            checkpoint_id: checkpointId,
            kind: answer.kind,
            value: answer.kind === 'rating' ? answer.value : null,
            client_rev: null,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['response_id', 'checkpoint_id']).doUpdateSet((eb) => ({
            kind: eb.ref('excluded.kind'),
            value: eb.ref('excluded.value'),
            client_rev: null,
            updated_at: sql`now()`,
          })),
        )
        .execute();
    }
    for (const [checkpointId, note] of notes) await saveEvidence(trx, owner.id, checkpointId, note);
  });
}

/** A response's answers by checkpoint id (all of them, or just `onlyCheckpoint`). */
export async function listAnswers(db: Db, responseId: string, onlyCheckpoint?: string): Promise<Map<string, Answer>> {
  let query = db.selectFrom('answers').select(['checkpoint_id', 'kind', 'value']).where('response_id', '=', responseId);
  if (onlyCheckpoint !== undefined) query = query.where('checkpoint_id', '=', onlyCheckpoint);
  const rows = await query.execute();
  return new Map(
    rows.map((row) => [
      row.checkpoint_id,
      row.kind === 'rating' ? { kind: 'rating', value: row.value ?? 0 } : { kind: row.kind },
    ]),
  );
}

/** Save an evidence note; an empty note is kept as empty (so a late, older save cannot bring text back). */
export async function saveEvidence(
  db: Db,
  responseId: string,
  checkpointId: string,
  note: string,
  clientRev: number | null = null,
): Promise<void> {
  const text = note.trim() === '' ? '' : note;
  await db
    .insertInto('evidence_notes')
    .values({ response_id: responseId, checkpoint_id: checkpointId, note: text, client_rev: clientRev })
    .onConflict((oc) =>
      oc
        .columns(['response_id', 'checkpoint_id'])
        .doUpdateSet({ note: text, client_rev: clientRev, updated_at: sql`now()` })
        .where(newerRevision('evidence_notes')),
    )
    .execute();
}

export async function listEvidence(db: Db, responseId: string, onlyCheckpoint?: string): Promise<Map<string, string>> {
  let query = db
    .selectFrom('evidence_notes')
    .select(['checkpoint_id', 'note'])
    .where('response_id', '=', responseId)
    .where('note', '!=', '');
  if (onlyCheckpoint !== undefined) query = query.where('checkpoint_id', '=', onlyCheckpoint);
  const rows = await query.execute();
  return new Map(rows.map((row) => [row.checkpoint_id, row.note]));
}

export type AutosaveOutcome =
  | { found: false }
  | { found: true; definitionKey: string; open: boolean; saved: boolean };

/** A pg pool for the one hot-path statement, and whether it may be prepared once per connection. */
export interface DirectPg {
  pool: Pool;
  /** Named (server-side prepared) statements: off for the embedded database, whose one session is shared. */
  namedStatements: boolean;
}

const autosaveSql = `
  with target as (
    select r.id, r.workshop_id, r.role, r.assessment_id || '@' || r.assessment_version as definition_key,
           coalesce(w.status = 'open', true) and coalesce(rd.status = 'open', true) as open
    from responses r left join workshops w on w.id = r.workshop_id
      left join rounds rd on rd.organisation_id = r.organisation_id and rd.id = r.round_id
    where r.token_hash = $1
  ), writable as (
    select id, workshop_id, role from target where open and definition_key = any($2::text[])
  ), saved_answer as (
    insert into answers (response_id, checkpoint_id, kind, value, client_rev, workshop_id, role)
    select id, $3, $4::text, $5::smallint, $6::bigint, workshop_id, role from writable where $4::text is not null
    on conflict (response_id, checkpoint_id) do update
      set kind = excluded.kind, value = excluded.value, client_rev = excluded.client_rev, updated_at = now()
      where excluded.client_rev is null or answers.client_rev is null or answers.client_rev <= excluded.client_rev
    returning 1
  ), saved_note as (
    insert into evidence_notes (response_id, checkpoint_id, note, client_rev)
    select id, $3, $7::text, $6::bigint from writable where $7::text is not null
    on conflict (response_id, checkpoint_id) do update
      set note = excluded.note, client_rev = excluded.client_rev, updated_at = now()
      where excluded.client_rev is null or evidence_notes.client_rev is null or evidence_notes.client_rev <= excluded.client_rev
    returning 1
  )
  select definition_key, open, exists (select 1 from writable) as saved from target`;

/**
 * The autosave hot path in one statement (one round trip, one transaction):
 * find the response by its token hash, check its workshop (if any) is open and
 * its definition is one of `allowedDefinitions` (those that ask this checkpoint
 * and accept this answer), then upsert the answer and/or note with the same
 * revision rule as saveAnswer/saveEvidence. Nothing is written unless every
 * check passes; the outcome says which one failed. Plain SQL on the pool, so
 * it can be prepared once per connection on a real server.
 */
export async function autosaveCheckpoint(
  pg: DirectPg,
  input: {
    tokenHash: Buffer;
    checkpointId: string;
    allowedDefinitions: readonly string[];
    answer: Answer | undefined;
    note: string | undefined;
    clientRev: number | null;
  },
): Promise<AutosaveOutcome> {
  const { answer, note } = input;
  const values = [
    input.tokenHash,
    input.allowedDefinitions,
    input.checkpointId,
    answer?.kind ?? null,
    answer?.kind === 'rating' ? answer.value : null,
    input.clientRev,
    note === undefined ? null : note.trim() === '' ? '' : note,
  ];
  const result = await pg.pool.query<{ definition_key: string; open: boolean; saved: boolean }>(
    pg.namedStatements ? { name: 'autosave-checkpoint', text: autosaveSql, values } : { text: autosaveSql, values },
  );
  const row = result.rows[0];
  return row ? { found: true, definitionKey: row.definition_key, open: row.open, saved: row.saved } : { found: false };
}
