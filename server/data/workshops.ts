import { sql, type Kysely, type Transaction } from 'kysely';
import type { CountedAnswer } from '../domain/aggregation.js';
import { anonymousSeries, type PendingChange } from '../domain/anonymity.js';
import type { Answer } from '../domain/answers.js';
import type { Database, ParticipantRole } from './database.js';

type Db = Kysely<Database>;

export interface WorkshopRecord {
  id: string;
  ownerId: string;
  title: string;
  assessmentId: string;
  assessmentVersion: number;
  roles: ParticipantRole[];
  anonymityMinimum: number;
  expectedParticipants: number | null;
  joinCode: string;
  status: 'open' | 'closed';
  resultsRevealed: boolean;
  createdAt: Date;
  /** Set when the workshop is a team's answer channel in an organisation's round. */
  organisationId: string | null;
  roundId: string | null;
  teamId: string | null;
  /** Leaders answer on the record (each consents when choosing the role). */
  leadersOnRecord: boolean;
  /** Answers were exported: the workshop stays closed. */
  exportedAt: Date | null;
}

const workshopColumns = [
  'workshops.id',
  'workshops.owner_id as ownerId',
  'workshops.title',
  'workshops.assessment_id as assessmentId',
  'workshops.assessment_version as assessmentVersion',
  'workshops.roles',
  'workshops.anonymity_minimum as anonymityMinimum',
  'workshops.expected_participants as expectedParticipants',
  'workshops.join_code as joinCode',
  'workshops.status',
  'workshops.results_revealed as resultsRevealed',
  'workshops.created_at as createdAt',
  'workshops.organisation_id as organisationId',
  'workshops.round_id as roundId',
  'workshops.team_id as teamId',
  'workshops.leaders_on_record as leadersOnRecord',
  'workshops.exported_at as exportedAt',
] as const;

const uniqueViolation = '23505';

/** Create a workshop; `undefined` when the join code is already taken (the caller draws another). */
export async function createWorkshop(
  db: Db,
  input: Pick<
    WorkshopRecord,
    'ownerId' | 'title' | 'assessmentId' | 'assessmentVersion' | 'roles' | 'anonymityMinimum' | 'expectedParticipants' | 'joinCode'
  > & { leadersOnRecord?: boolean },
): Promise<WorkshopRecord | undefined> {
  try {
    return await db
      .insertInto('workshops')
      .values({
        owner_id: input.ownerId,
        title: input.title,
        assessment_id: input.assessmentId,
        assessment_version: input.assessmentVersion,
        roles: input.roles,
        anonymity_minimum: input.anonymityMinimum,
        expected_participants: input.expectedParticipants,
        join_code: input.joinCode,
        leaders_on_record: input.leadersOnRecord ?? false,
      })
      .returning(workshopColumns)
      .executeTakeFirstOrThrow();
  } catch (error) {
    if ((error as { code?: string; constraint?: string }).code === uniqueViolation) return undefined;
    throw error;
  }
}

/** Make a workshop the answer channel of a team in an organisation's round: its responses then belong to both. */
export async function linkWorkshopToRound(
  db: Db,
  workshopId: string,
  link: { organisationId: string; roundId: string; teamId: string },
): Promise<void> {
  await db
    .updateTable('workshops')
    .set({ organisation_id: link.organisationId, round_id: link.roundId, team_id: link.teamId })
    .where('id', '=', workshopId)
    .execute();
}

/** The workshops run for a round (all teams, or one), newest first. */
export async function workshopsOfRound(
  db: Db,
  organisationId: string,
  roundId: string,
): Promise<WorkshopRecord[]> {
  return db
    .selectFrom('workshops')
    .select(workshopColumns)
    .where('workshops.organisation_id', '=', organisationId)
    .where('workshops.round_id', '=', roundId)
    .orderBy('workshops.created_at', 'desc')
    .execute();
}

export interface WorkshopSummary extends WorkshopRecord {
  participants: number;
}

export async function listWorkshopsOf(db: Db, ownerId: string): Promise<WorkshopSummary[]> {
  const rows = await db
    .selectFrom('workshops')
    .leftJoin('responses', 'responses.workshop_id', 'workshops.id')
    .select(workshopColumns)
    .select((eb) => eb.fn.count<string>('responses.id').as('participants'))
    .where('workshops.owner_id', '=', ownerId)
    .groupBy('workshops.id')
    .orderBy('workshops.created_at', 'desc')
    .execute();
  return rows.map((r) => ({ ...r, participants: Number(r.participants) }));
}

/** A workshop, only if this coach runs it: anyone else gets nothing (and the route a 404). */
export async function findWorkshopOf(db: Db, id: string, ownerId: string): Promise<WorkshopRecord | undefined> {
  return db
    .selectFrom('workshops')
    .select(workshopColumns)
    .where('workshops.id', '=', id)
    .where('workshops.owner_id', '=', ownerId)
    .executeTakeFirst();
}

export async function findWorkshop(db: Db, id: string): Promise<WorkshopRecord | undefined> {
  return db.selectFrom('workshops').select(workshopColumns).where('workshops.id', '=', id).executeTakeFirst();
}

export async function findWorkshopByJoinCode(db: Db, joinCode: string): Promise<WorkshopRecord | undefined> {
  return db.selectFrom('workshops').select(workshopColumns).where('workshops.join_code', '=', joinCode).executeTakeFirst();
}

/**
 * Open or close a workshop. Closing takes the workshop row FOR UPDATE first: it waits for every
 * save holding the row (FOR KEY SHARE, see responses.ts), so `closed_at`, taken after that wait, is
 * later than every answer stored, and every save that starts later sees the workshop closed.
 */
export async function setWorkshopStatus(db: Kysely<Database>, id: string, status: 'open' | 'closed'): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.selectFrom('workshops').select('id').where('id', '=', id).forUpdate().execute();
    await trx
      .updateTable('workshops')
      .set({ status, closed_at: status === 'closed' ? sql`clock_timestamp()` : null })
      .where('id', '=', id)
      .execute();
  });
}

export async function setResultsRevealed(db: Db, id: string, revealed: boolean): Promise<void> {
  await db.updateTable('workshops').set({ results_revealed: revealed }).where('id', '=', id).execute();
}

export interface Participation {
  joined: number;
  /** Gave at least one answer: the group the aggregates describe. */
  answering: number;
  /** Answered every checkpoint. */
  finished: number;
  /** Answering participants per role. */
  answeringByRole: Record<ParticipantRole, number>;
}

/**
 * Two single-table reads, each on its own index (responses by workshop; answers by
 * (workshop_id, response_id)), joined here: no join for the planner to choose, so right after
 * a burst of inserts, with statistics that do not know the workshop's rows yet, the plan stays an
 * index scan of this workshop's rows (a join became a per-participant nested loop then).
 */
export async function participationIn(db: Db, workshopId: string, checkpointCount: number): Promise<Participation> {
  const [people, counts] = await Promise.all([
    db.selectFrom('responses').select(['id', 'role']).where('workshop_id', '=', workshopId).execute(),
    db
      .selectFrom('answers')
      .select('response_id')
      .select((eb) => eb.fn.countAll<string>().as('answered'))
      .where('workshop_id', '=', workshopId)
      .groupBy('response_id')
      .execute(),
  ]);
  const answeredBy = new Map(counts.map((c) => [c.response_id, Number(c.answered)]));
  const participation: Participation = {
    joined: people.length,
    answering: 0,
    finished: 0,
    answeringByRole: { leader: 0, team_member: 0 },
  };
  for (const person of people) {
    const answered = answeredBy.get(person.id) ?? 0;
    if (answered > 0) {
      participation.answering += 1;
      if (person.role) participation.answeringByRole[person.role] += 1;
    }
    if (answered >= checkpointCount) participation.finished += 1;
  }
  return participation;
}

/** Every answer in a workshop, counted by checkpoint, role and value: a few hundred rows whatever the size. */
export async function answerCountsIn(db: Db, workshopId: string): Promise<CountedAnswer[]> {
  const rows = await db
    .selectFrom('answers')
    .select(['checkpoint_id', 'role', 'kind', 'value'])
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('workshop_id', '=', workshopId)
    .groupBy(['checkpoint_id', 'role', 'kind', 'value'])
    .execute();
  return rows.map((r) => ({
    checkpointId: r.checkpoint_id,
    role: r.role ?? 'team_member',
    answer: r.kind === 'rating' ? { kind: 'rating', value: r.value ?? 0 } : { kind: r.kind },
    count: Number(r.count),
  }));
}

export interface ExportedAnswer {
  participant: string;
  role: ParticipantRole;
  checkpointId: string;
  answer: Answer;
}

/** The workshop's answers, each under its participant's random code: no tokens, names or times. */
export async function anonymousAnswersIn(db: Db, workshopId: string): Promise<ExportedAnswer[]> {
  const rows = await db
    .selectFrom('answers')
    .innerJoin('responses', 'responses.id', 'answers.response_id')
    .select(['responses.participant_code', 'responses.role', 'answers.checkpoint_id', 'answers.kind', 'answers.value'])
    .where('responses.workshop_id', '=', workshopId)
    .orderBy('responses.participant_code')
    .orderBy('answers.checkpoint_id')
    .execute();
  return rows.map((r) => ({
    participant: r.participant_code ?? '',
    role: r.role ?? 'team_member',
    checkpointId: r.checkpoint_id,
    answer: r.kind === 'rating' ? { kind: 'rating', value: r.value ?? 0 } : { kind: r.kind },
  }));
}

/**
 * The evidence notes participants shared with the room, without who wrote them or when, in the
 * database's order of the text (unshared notes are never read here). Two single-table reads (the
 * workshop's responses, then their notes by primary key), for the same reason as participationIn:
 * no join plan for stale statistics to get wrong.
 */
export async function notesIn(db: Db, workshopId: string): Promise<{ checkpointId: string; note: string; shared: true }[]> {
  const people = await db.selectFrom('responses').select('id').where('workshop_id', '=', workshopId).execute();
  if (people.length === 0) return [];
  const rows = await db
    .selectFrom('evidence_notes')
    .select(['checkpoint_id', 'note'])
    .where('response_id', '=', sql<string>`any(${people.map((p) => p.id)}::uuid[])`)
    .where('note', '!=', '')
    .where('shared', '=', true)
    .orderBy('checkpoint_id')
    .orderBy('note')
    .execute();
  return rows.map((r) => ({ checkpointId: r.checkpoint_id, note: r.note, shared: true as const }));
}

export interface Consensus {
  checkpointId: string;
  answer: Answer;
  dissentNote: string | null;
}

export async function saveConsensus(db: Db, workshopId: string, consensus: Consensus): Promise<void> {
  const { answer } = consensus;
  const value = answer.kind === 'rating' ? answer.value : null;
  await db
    .insertInto('workshop_consensus')
    .values({
      workshop_id: workshopId,
      checkpoint_id: consensus.checkpointId,
      kind: answer.kind,
      value,
      dissent_note: consensus.dissentNote,
    })
    .onConflict((oc) =>
      oc
        .columns(['workshop_id', 'checkpoint_id'])
        .doUpdateSet({ kind: answer.kind, value, dissent_note: consensus.dissentNote, updated_at: sql`now()` }),
    )
    .execute();
}

export async function clearConsensus(db: Db, workshopId: string, checkpointId: string): Promise<void> {
  await db
    .deleteFrom('workshop_consensus')
    .where('workshop_id', '=', workshopId)
    .where('checkpoint_id', '=', checkpointId)
    .execute();
}

export async function consensusIn(db: Db, workshopId: string): Promise<Consensus[]> {
  const rows = await db
    .selectFrom('workshop_consensus')
    .select(['checkpoint_id', 'kind', 'value', 'dissent_note'])
    .where('workshop_id', '=', workshopId)
    .execute();
  return rows.map((r) => ({
    checkpointId: r.checkpoint_id,
    answer: r.kind === 'rating' ? { kind: 'rating', value: r.value ?? 0 } : { kind: r.kind },
    dissentNote: r.dissent_note,
  }));
}

export interface Action {
  id: string;
  checkpointId: string;
  title: string;
  ownerName: string;
  dueQuarter: string;
  createdAt: Date;
}

/** Record an action; a retried form post (same request key) records it once. */
export async function addAction(
  db: Db,
  workshopId: string,
  input: { checkpointId: string; title: string; ownerName: string; dueQuarter: string; requestKey: string | null },
): Promise<void> {
  await db
    .insertInto('workshop_actions')
    .values({
      workshop_id: workshopId,
      checkpoint_id: input.checkpointId,
      title: input.title,
      owner_name: input.ownerName,
      due_quarter: input.dueQuarter,
      request_key: input.requestKey,
    })
    .onConflict((oc) => oc.column('request_key').doNothing())
    .execute();
}

export async function deleteAction(db: Db, workshopId: string, actionId: string): Promise<void> {
  await db.deleteFrom('workshop_actions').where('workshop_id', '=', workshopId).where('id', '=', actionId).execute();
}

export async function actionsIn(db: Db, workshopId: string): Promise<Action[]> {
  return db
    .selectFrom('workshop_actions')
    .select(['id', 'checkpoint_id as checkpointId', 'title', 'owner_name as ownerName', 'due_quarter as dueQuarter', 'created_at as createdAt'])
    .where('workshop_id', '=', workshopId)
    .orderBy('created_at')
    .execute();
}

/*
 * Publication: what group views show is `published_answers`, a copy of the
 * answers that moves per checkpoint and series only when the anonymity module
 * allows it (see server/domain/anonymity.ts). Only respondents who rated
 * something are copied; leaders on the record are read as they are.
 */

/** Everyone not on the record is published in one series (see anonymity.ts). */
const countedCurrent = (workshopId: string) => sql`
  select a.response_id, a.checkpoint_id, ${anonymousSeries}::text as series, r.role, a.kind, a.value
  from answers a
  join responses r on r.id = a.response_id
  where a.workshop_id = ${workshopId} and not r.on_record
    and exists (select 1 from answers x where x.workshop_id = ${workshopId} and x.response_id = r.id and x.kind = 'rating')`;

/** Per checkpoint and series, how many respondents' current answers differ from the published ones. */
export async function pendingChangesIn(db: Db | Transaction<Database>, workshopId: string): Promise<PendingChange[]> {
  const { rows } = await sql<{ checkpoint_id: string; series: string; changed: string }>`
    with cur as (${countedCurrent(workshopId)}),
         pub as (select * from published_answers where workshop_id = ${workshopId})
    select coalesce(cur.checkpoint_id, pub.checkpoint_id) as checkpoint_id,
           coalesce(cur.series, pub.series) as series,
           count(*) as changed
    from cur full join pub on pub.response_id = cur.response_id and pub.checkpoint_id = cur.checkpoint_id
    where cur.response_id is null or pub.response_id is null
       or cur.kind <> pub.kind or cur.value is distinct from pub.value or cur.series <> pub.series
    group by 1, 2`.execute(db);
  return rows.map((r) => ({ checkpointId: r.checkpoint_id, series: r.series, changed: Number(r.changed) }));
}

/**
 * Move the published answers where `decide` allows. The decision is taken again
 * under the workshop row's lock, which saves share, so no answer changes between
 * counting the changes and copying them. Returns what is still waiting.
 */
export async function publishAnswers(
  db: Db,
  workshopId: string,
  decide: (pending: readonly PendingChange[]) => PendingChange[],
): Promise<PendingChange[]> {
  const pending = await pendingChangesIn(db, workshopId);
  if (decide(pending).length === 0) return pending;
  return db.transaction().execute(async (trx) => {
    await trx.selectFrom('workshops').select('id').where('id', '=', workshopId).forUpdate().execute();
    const locked = await pendingChangesIn(trx, workshopId);
    const chosen = decide(locked);
    if (chosen.length === 0) return locked;
    const checkpoints = chosen.map((c) => c.checkpointId);
    const series = chosen.map((c) => c.series);
    await sql`
      delete from published_answers p
      using unnest(${checkpoints}::text[], ${series}::text[]) as chosen(checkpoint_id, series)
      where p.workshop_id = ${workshopId} and p.checkpoint_id = chosen.checkpoint_id and p.series = chosen.series`.execute(trx);
    await sql`
      insert into published_answers (workshop_id, checkpoint_id, response_id, series, role, kind, value)
      select ${workshopId}, cur.checkpoint_id, cur.response_id, cur.series, cur.role, cur.kind, cur.value
      from (${countedCurrent(workshopId)}) cur
      join unnest(${checkpoints}::text[], ${series}::text[]) as chosen(checkpoint_id, series)
        on chosen.checkpoint_id = cur.checkpoint_id and chosen.series = cur.series`.execute(trx);
    await sql`update workshops set published_version = published_version + 1 where id = ${workshopId}`.execute(trx);
    const chosenKeys = new Set(chosen.map((c) => `${c.checkpointId}\u0000${c.series}`));
    return locked.filter((p) => !chosenKeys.has(`${p.checkpointId}\u0000${p.series}`));
  });
}

export interface PublishedGroup {
  /** Published answers, plus on-the-record answers as they are, counted by checkpoint, role and value. */
  counts: CountedAnswer[];
  /** Respondents in those counts, per role, and how many of the leaders are on the record. */
  respondents: Record<ParticipantRole, number>;
  onRecordLeaders: number;
  /** Respondents who have rated something, now (published or not). */
  raters: number;
}

// Responses first: a workshop has a handful of people on the record, if any.
const onRecordCurrent = (workshopId: string) => sql`
  select a.response_id, a.checkpoint_id, r.role, a.kind, a.value
  from responses r
  join answers a on a.response_id = r.id
  where r.workshop_id = ${workshopId} and r.on_record
    and exists (select 1 from answers x where x.response_id = r.id and x.kind = 'rating')`;

export async function publishedGroupIn(db: Db, workshopId: string): Promise<PublishedGroup> {
  const [counted, people, raters] = await Promise.all([
    sql<{ checkpoint_id: string; role: ParticipantRole; kind: Answer['kind']; value: number | null; count: string }>`
      select checkpoint_id, role, kind, value, count(*) as count
      from (select checkpoint_id, role, kind, value from published_answers where workshop_id = ${workshopId}
            union all
            select checkpoint_id, role, kind, value from (${onRecordCurrent(workshopId)}) o) all_answers
      group by 1, 2, 3, 4`.execute(db),
    sql<{ role: ParticipantRole; on_record: boolean; people: string }>`
      select role, on_record, count(distinct response_id) as people
      from (select response_id, role, false as on_record from published_answers where workshop_id = ${workshopId}
            union all
            select response_id, role, true from (${onRecordCurrent(workshopId)}) o) p
      group by 1, 2`.execute(db),
    sql<{ raters: string }>`
      select count(distinct response_id) as raters from answers where workshop_id = ${workshopId} and kind = 'rating'`.execute(db),
  ]);
  const respondents: Record<ParticipantRole, number> = { leader: 0, team_member: 0 };
  let onRecordLeaders = 0;
  for (const p of people.rows) {
    respondents[p.role] += Number(p.people);
    if (p.on_record && p.role === 'leader') onRecordLeaders += Number(p.people);
  }
  return {
    counts: counted.rows.map((r) => ({
      checkpointId: r.checkpoint_id,
      role: r.role,
      answer: r.kind === 'rating' ? { kind: 'rating', value: r.value ?? 0 } : { kind: r.kind },
      count: Number(r.count),
    })),
    respondents,
    onRecordLeaders,
    raters: Number(raters.rows[0]?.raters ?? 0),
  };
}

export interface PublishedRow {
  responseId: string;
  role: ParticipantRole;
  onRecord: boolean;
  checkpointId: string;
  answer: Answer;
}

/** Every published answer (and every on-the-record one), by respondent: for exports of a closed workshop. */
export async function publishedRowsIn(db: Db, workshopId: string): Promise<PublishedRow[]> {
  const { rows } = await sql<{ response_id: string; role: ParticipantRole; on_record: boolean; checkpoint_id: string; kind: Answer['kind']; value: number | null }>`
    select response_id, role, false as on_record, checkpoint_id, kind, value from published_answers where workshop_id = ${workshopId}
    union all
    select response_id, role, true, checkpoint_id, kind, value from (${onRecordCurrent(workshopId)}) o
    order by 1, 4`.execute(db);
  return rows.map((r) => ({
    responseId: r.response_id,
    role: r.role,
    onRecord: r.on_record,
    checkpointId: r.checkpoint_id,
    answer: r.kind === 'rating' ? { kind: 'rating', value: r.value ?? 0 } : { kind: r.kind },
  }));
}

export async function markExported(db: Db, workshopId: string): Promise<void> {
  await db.updateTable('workshops').set({ exported_at: sql`now()` }).where('id', '=', workshopId).where('exported_at', 'is', null).execute();
}

/**
 * A cheap fingerprint of everything the group views are computed from: the
 * answers (how many, the latest change) and the publications. Equal
 * fingerprints: nothing to recompute (a cache may reuse what it computed).
 */
export async function groupFingerprintIn(db: Db, workshopId: string): Promise<string> {
  const { rows } = await sql<{ answers: string; latest: Date | null; version: number }>`
    select (select count(*) from answers where workshop_id = ${workshopId}) as answers,
           (select max(updated_at) from answers where workshop_id = ${workshopId}) as latest,
           (select published_version from workshops where id = ${workshopId}) as version`.execute(db);
  const row = rows[0]!;
  return `${row.answers}:${row.latest?.toISOString() ?? '-'}:${row.version}`;
}
