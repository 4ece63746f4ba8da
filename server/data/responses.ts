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
  /** The response this one retakes, for a leader's next quarter. */
  previousResponseId: string | null;
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
  'previous_response_id as previousResponseId',
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
    // Any unique key: a retry with the same key has the same creation key *and* the same token
    // (derived from it), and two at once may collide on either.
    .onConflict((oc) => oc.doNothing())
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

/**
 * The retake of a response (a leader's next quarter): created once. The token is derived from the
 * earlier one, so a repeated request finds the same response instead of creating a second.
 */
export async function createRetake(
  db: Db,
  input: { previous: ResponseRecord; tokenHash: Buffer; assessmentVersion: number },
): Promise<void> {
  await db
    .insertInto('responses')
    .values({
      token_hash: input.tokenHash,
      assessment_id: input.previous.assessmentId,
      assessment_version: input.assessmentVersion,
      previous_response_id: input.previous.id,
    })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export async function findResponseById(db: Db, id: string): Promise<ResponseRecord | undefined> {
  return db.selectFrom('responses').select(responseColumns).where('id', '=', id).executeTakeFirst();
}

/** The retake of a response, if one was started. */
export async function findRetakeOf(db: Db, responseId: string): Promise<ResponseRecord | undefined> {
  return db.selectFrom('responses').select(responseColumns).where('previous_response_id', '=', responseId).executeTakeFirst();
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

/** The response an answer belongs to, with what is copied onto each of its answers. */
export type AnswerOwner = Pick<ResponseRecord, 'id' | 'workshopId' | 'role'>;

/**
 * Store one answer: one row per (response, checkpoint), so the same request twice leaves one
 * answer. A plain form and the API always apply (the last one to arrive wins); each change
 * moves the answer's server revision on by one. Returns when PostgreSQL has committed it.
 */
export async function saveAnswer(db: Db, owner: AnswerOwner, checkpointId: string, answer: Answer): Promise<void> {
  const value = answer.kind === 'rating' ? answer.value : null;
  await db
    .insertInto('answers')
    .values({
      response_id: owner.id,
      checkpoint_id: checkpointId,
      kind: answer.kind,
      value,
      workshop_id: owner.workshopId,
      role: owner.role,
    })
    .onConflict((oc) =>
      oc
        .columns(['response_id', 'checkpoint_id'])
        .doUpdateSet({ kind: answer.kind, value, client_rev: null, revision: sql`answers.revision + 1`, updated_at: sql`now()` })
        .where(sql<boolean>`(answers.kind, answers.value) is distinct from (excluded.kind, excluded.value)`),
    )
    .execute();
}

/** One checkpoint's answer and note, saved together (one transaction when both are sent). */
export async function saveCheckpoint(
  db: Kysely<Database>,
  owner: AnswerOwner,
  checkpointId: string,
  input: { answer?: Answer; note?: string; shared?: boolean },
): Promise<void> {
  const { answer, note } = input;
  if (!answer && note === undefined) return;
  await db.transaction().execute(async (trx) => {
    await lockOpenWorkshop(trx, owner);
    if (answer) await saveAnswer(trx, owner, checkpointId, answer);
    if (note !== undefined) await saveEvidence(trx, owner.id, checkpointId, note, sharable(owner, input.shared));
  });
}

/** Thrown inside a save when the response's workshop has closed: nothing was written. */
export class WorkshopClosedError extends Error {
  override name = 'WorkshopClosedError';
}

/**
 * For a workshop participant: hold the workshop row (FOR KEY SHARE) for the rest of
 * the transaction and refuse if it is closed. Closing locks that row FOR UPDATE, so it
 * waits for saves in flight, and a save that starts after it sees "closed".
 */
async function lockOpenWorkshop(trx: Transaction<Database>, owner: AnswerOwner): Promise<void> {
  await lockOpenRound(trx, owner);
  if (!owner.workshopId) return;
  const row = await trx
    .selectFrom('workshops')
    .select('status')
    .where('id', '=', owner.workshopId)
    .forKeyShare()
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


/** Only a workshop participant's note can be shared with a room (a leader alone has none). */
const sharable = (owner: AnswerOwner, shared: boolean | undefined) => owner.workshopId !== null && shared === true;

/** Save a set of answers and notes in one transaction (a whole phase form); `shared`: the notes shared with the room. */
export async function saveAnswers(
  db: Kysely<Database>,
  owner: AnswerOwner,
  answers: ReadonlyMap<string, Answer>,
  notes: ReadonlyMap<string, string>,
  shared: ReadonlySet<string> = new Set(),
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
          })),
        )
        .onConflict((oc) =>
          oc.columns(['response_id', 'checkpoint_id']).doUpdateSet((eb) => ({
            kind: eb.ref('excluded.kind'),
            value: eb.ref('excluded.value'),
            client_rev: null,
            revision: sql`answers.revision + 1`,
            updated_at: sql`now()`,
          })).where(sql<boolean>`(answers.kind, answers.value) is distinct from (excluded.kind, excluded.value)`),
        )
        .execute();
    }
    for (const [checkpointId, note] of notes) {
      await saveEvidence(trx, owner.id, checkpointId, note, sharable(owner, shared.has(checkpointId)));
    }
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

/**
 * Save an evidence note and whether it is shared with the room (always applies; see saveAnswer).
 * An empty note is kept as empty. A change of either is a new revision.
 */
export async function saveEvidence(db: Db, responseId: string, checkpointId: string, note: string, shared = false): Promise<void> {
  const text = note.trim() === '' ? '' : note;
  await db
    .insertInto('evidence_notes')
    .values({ response_id: responseId, checkpoint_id: checkpointId, note: text, shared })
    .onConflict((oc) =>
      oc
        .columns(['response_id', 'checkpoint_id'])
        .doUpdateSet({ note: text, shared, client_rev: null, revision: sql`evidence_notes.revision + 1`, updated_at: sql`now()` })
        .where(sql<boolean>`(evidence_notes.note, evidence_notes.shared) is distinct from (excluded.note, excluded.shared)`),
    )
    .execute();
}

/** The server revision of each answer and note of a response (a page carries them for its autosaves). */
export async function listRevisions(db: Db, responseId: string): Promise<Map<string, { answer: number; note: number }>> {
  const [answers, notes] = await Promise.all([
    db.selectFrom('answers').select(['checkpoint_id', 'revision']).where('response_id', '=', responseId).execute(),
    db.selectFrom('evidence_notes').select(['checkpoint_id', 'revision']).where('response_id', '=', responseId).execute(),
  ]);
  const revisions = new Map<string, { answer: number; note: number }>();
  for (const a of answers) revisions.set(a.checkpoint_id, { answer: a.revision, note: 0 });
  for (const n of notes) revisions.set(n.checkpoint_id, { answer: revisions.get(n.checkpoint_id)?.answer ?? 0, note: n.revision });
  return revisions;
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

/** The checkpoints whose note this response shares with its workshop's room. */
export async function listSharedNotes(db: Db, responseId: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('evidence_notes')
    .select('checkpoint_id')
    .where('response_id', '=', responseId)
    .where('shared', '=', true)
    .execute();
  return new Set(rows.map((row) => row.checkpoint_id));
}

/** What an autosave did with each part it was sent: stored, or refused. */
export interface PartOutcome {
  /** Stored now, or already stored exactly as sent. */
  stored: boolean;
  /** The revision stored after this save (0: nothing stored). */
  revision: number;
}

export type AutosaveOutcome =
  | { found: false }
  | { found: true; definitionKey: string; open: boolean; writable: boolean; answer?: PartOutcome; note?: PartOutcome };

/** A pg pool for the one hot-path statement, and whether it may be prepared once per connection. */
export interface DirectPg {
  pool: Pool;
  /** Named (server-side prepared) statements: off for the embedded database, whose one session is shared. */
  namedStatements: boolean;
}

/*
 * $1 token hash, $2 allowed definitions, $3 checkpoint, $4 kind, $5 value, $6 the answer revision
 * the page saw (null: store regardless), $7 note, $8 the note revision the page saw, $9 whether the
 * note is shared with the room (stored only for a workshop participant).
 * The workshop row is held FOR KEY SHARE while the statement writes: closing a workshop (which locks
 * that row) waits for saves in flight, and a save that waited for a close sees it closed.
 */
const autosaveSql = `
  with target as (
    select r.id, r.workshop_id, r.role, r.organisation_id, r.round_id,
           r.assessment_id || '@' || r.assessment_version as definition_key
    from responses r
    where r.token_hash = $1
  ), held as (
    select w.status from workshops w where w.id = (select workshop_id from target) for key share
  ), held_round as (
    -- closing a round updates its row: a shared lock makes the close wait for saves in flight
    select rd.status from rounds rd join target t on rd.organisation_id = t.organisation_id and rd.id = t.round_id for share of rd
  ), state as (
    select t.*, coalesce((select status = 'open' from held), true) and coalesce((select status = 'open' from held_round), true) as open
    from target t
  ), writable as (
    select id, workshop_id, role from state where open and definition_key = any($2::text[])
  ), old_answer as (
    select a.kind, a.value, a.revision from answers a join writable w on a.response_id = w.id where a.checkpoint_id = $3
  ), old_note as (
    select n.note, n.shared, n.revision from evidence_notes n join writable w on n.response_id = w.id where n.checkpoint_id = $3
  ), saved_answer as (
    insert into answers (response_id, checkpoint_id, kind, value, workshop_id, role)
    select id, $3, $4::text, $5::smallint, workshop_id, role from writable
    where $4::text is not null and ($6::int is null or $6::int = coalesce((select revision from old_answer), 0))
    on conflict (response_id, checkpoint_id) do update
      set kind = excluded.kind, value = excluded.value, client_rev = null, revision = answers.revision + 1, updated_at = now()
      where ($6::int is null or answers.revision = $6::int)
        and (answers.kind, answers.value) is distinct from (excluded.kind, excluded.value)
    returning revision
  ), saved_note as (
    insert into evidence_notes (response_id, checkpoint_id, note, shared)
    select id, $3, $7::text, coalesce($9::boolean, false) and workshop_id is not null from writable
    where $7::text is not null and ($8::int is null or $8::int = coalesce((select revision from old_note), 0))
    on conflict (response_id, checkpoint_id) do update
      set note = excluded.note, shared = excluded.shared, client_rev = null, revision = evidence_notes.revision + 1, updated_at = now()
      where ($8::int is null or evidence_notes.revision = $8::int)
        and (evidence_notes.note, evidence_notes.shared) is distinct from (excluded.note, excluded.shared)
    returning revision
  )
  select definition_key, open, exists (select 1 from writable) as writable,
         (select revision from saved_answer) as answer_saved,
         (select kind from old_answer) as old_kind, (select value from old_answer) as old_value,
         (select revision from old_answer) as old_answer_revision,
         (select revision from saved_note) as note_saved,
         (select note from old_note) as old_note, (select shared from old_note) as old_shared,
         (select revision from old_note) as old_note_revision,
         (select workshop_id is not null from writable) as in_workshop
  from state`;

interface AutosaveRow {
  definition_key: string;
  open: boolean;
  writable: boolean;
  answer_saved: number | null;
  old_kind: string | null;
  old_value: number | null;
  old_answer_revision: number | null;
  note_saved: number | null;
  old_note: string | null;
  old_shared: boolean | null;
  old_note_revision: number | null;
  in_workshop: boolean | null;
}

/**
 * The autosave hot path in one statement (one round trip, one transaction): find the response
 * by its token hash, check its workshop (if any) is open and its definition is one of
 * `allowedDefinitions` (those that ask this checkpoint and accept this answer), then store the
 * answer and/or note if what is stored is still the revision the page saw (compare-and-set; with
 * no revision sent, always). A refused part is reported as not stored, unless what is stored is
 * exactly what was sent (a retried save). Plain SQL on the pool, so it can be prepared once per
 * connection on a real server.
 */
export async function autosaveCheckpoint(
  pg: DirectPg,
  input: {
    tokenHash: Buffer;
    checkpointId: string;
    allowedDefinitions: readonly string[];
    answer: Answer | undefined;
    note: string | undefined;
    /** With the note: shared with the room (a workshop participant's only). */
    shared?: boolean;
    /** The revisions the page saw (0: nothing stored then); undefined: store regardless. */
    seen: { answer?: number; note?: number };
  },
): Promise<AutosaveOutcome> {
  const { answer } = input;
  const note = input.note === undefined ? undefined : input.note.trim() === '' ? '' : input.note;
  const value = answer?.kind === 'rating' ? answer.value : null;
  const values = [
    input.tokenHash,
    input.allowedDefinitions,
    input.checkpointId,
    answer?.kind ?? null,
    value,
    input.seen.answer ?? null,
    note ?? null,
    input.seen.note ?? null,
    note === undefined ? null : input.shared === true,
  ];
  const result = await pg.pool.query<AutosaveRow>(
    pg.namedStatements ? { name: 'autosave-checkpoint-3', text: autosaveSql, values } : { text: autosaveSql, values },
  );
  const row = result.rows[0];
  if (!row) return { found: false };
  const outcome: AutosaveOutcome = { found: true, definitionKey: row.definition_key, open: row.open, writable: row.writable };
  if (!row.writable) return outcome;
  if (answer) {
    const same = row.old_kind === answer.kind && (row.old_value ?? null) === value;
    outcome.answer =
      row.answer_saved !== null ? { stored: true, revision: row.answer_saved } : { stored: same, revision: row.old_answer_revision ?? 0 };
  }
  if (note !== undefined) {
    const shared = input.shared === true && row.in_workshop === true;
    const same = (row.old_note ?? '') === note && (row.old_shared ?? false) === shared;
    outcome.note =
      row.note_saved !== null ? { stored: true, revision: row.note_saved } : { stored: same, revision: row.old_note_revision ?? 0 };
  }
  return outcome;
}
