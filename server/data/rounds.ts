import { sql, type Kysely, type Transaction } from 'kysely';
import type { CountedAnswer } from '../domain/aggregation.js';
import type { PathCount, PathRespondents, PhaseSummary, TeamResult } from '../domain/round-results.js';
import type { Database, ParticipantRole } from './database.js';

/**
 * Rounds, the teams they ask, live participation (counts only) and the results
 * computed once at close. Every query filters by organisation_id.
 */

type Db = Kysely<Database> | Transaction<Database>;

export interface RoundRecord {
  id: string;
  organisationId: string;
  label: string;
  assessmentId: string;
  assessmentVersion: number;
  anonymityMinimum: number;
  status: 'open' | 'closed';
  openedAt: Date;
  closedAt: Date | null;
}

const roundColumns = [
  'id',
  'organisation_id as organisationId',
  'label',
  'assessment_id as assessmentId',
  'assessment_version as assessmentVersion',
  'anonymity_minimum as anonymityMinimum',
  'status',
  'opened_at as openedAt',
  'closed_at as closedAt',
] as const;

export interface RoundTeamInput {
  teamId: string;
  headcount: number;
  teamPath: string;
  teamPathLabel: string;
  linkTokenHash: Buffer;
}

const uniqueViolation = '23505';

/** Open a round; `undefined` when the organisation already has a round with this label. */
export async function openRound(
  db: Kysely<Database>,
  organisationId: string,
  input: {
    /** Chosen by the caller, so each team's link can be derived from it before the insert. */
    id: string;
    label: string;
    assessmentId: string;
    assessmentVersion: number;
    anonymityMinimum: number;
    teams: readonly RoundTeamInput[];
  },
): Promise<RoundRecord | undefined> {
  try {
    return await db.transaction().execute(async (trx) => {
      const round = await trx
        .insertInto('rounds')
        .values({
          organisation_id: organisationId,
          id: input.id,
          label: input.label,
          assessment_id: input.assessmentId,
          assessment_version: input.assessmentVersion,
          anonymity_minimum: input.anonymityMinimum,
        })
        .returning(roundColumns)
        .executeTakeFirstOrThrow();
      if (input.teams.length > 0) {
        await trx
          .insertInto('round_teams')
          .values(
            input.teams.map((t) => ({
              organisation_id: organisationId,
              round_id: round.id,
              team_id: t.teamId,
              headcount: t.headcount,
              team_path: t.teamPath,
              team_path_label: t.teamPathLabel,
              link_token_hash: t.linkTokenHash,
            })),
          )
          .execute();
      }
      return round;
    });
  } catch (error) {
    if ((error as { code?: string; constraint?: string }).constraint === 'rounds_label_key') return undefined;
    if ((error as { code?: string }).code === uniqueViolation && String((error as Error).message).includes('rounds_label_key')) return undefined;
    throw error;
  }
}

export async function roundsOf(db: Db, organisationId: string): Promise<RoundRecord[]> {
  return db
    .selectFrom('rounds')
    .select(roundColumns)
    .where('organisation_id', '=', organisationId)
    .orderBy('opened_at', 'desc')
    .orderBy('label', 'desc')
    .execute();
}

export async function findRound(db: Db, organisationId: string, roundId: string): Promise<RoundRecord | undefined> {
  return db
    .selectFrom('rounds')
    .select(roundColumns)
    .where('organisation_id', '=', organisationId)
    .where('id', '=', roundId)
    .executeTakeFirst();
}

export interface RoundTeamRecord {
  roundId: string;
  teamId: string;
  headcount: number;
  teamPath: string;
  teamPathLabel: string;
}

const roundTeamColumns = [
  'round_id as roundId',
  'team_id as teamId',
  'headcount',
  'team_path as teamPath',
  'team_path_label as teamPathLabel',
] as const;

export async function roundTeams(db: Db, organisationId: string, roundId: string): Promise<RoundTeamRecord[]> {
  return db
    .selectFrom('round_teams')
    .select(roundTeamColumns)
    .where('organisation_id', '=', organisationId)
    .where('round_id', '=', roundId)
    .orderBy('team_path_label')
    .execute();
}

export async function findRoundTeam(db: Db, organisationId: string, roundId: string, teamId: string): Promise<RoundTeamRecord | undefined> {
  return db
    .selectFrom('round_teams')
    .select(roundTeamColumns)
    .where('organisation_id', '=', organisationId)
    .where('round_id', '=', roundId)
    .where('team_id', '=', teamId)
    .executeTakeFirst();
}

/** The round team behind an anonymous team link, with its round. */
export async function findRoundTeamByLink(
  db: Db,
  organisationId: string,
  linkTokenHash: Buffer,
): Promise<{ roundTeam: RoundTeamRecord; round: RoundRecord } | undefined> {
  const roundTeam = await db
    .selectFrom('round_teams')
    .select(roundTeamColumns)
    .where('organisation_id', '=', organisationId)
    .where('link_token_hash', '=', linkTokenHash)
    .executeTakeFirst();
  if (!roundTeam) return undefined;
  const round = await findRound(db, organisationId, roundTeam.roundId);
  return round ? { roundTeam, round } : undefined;
}

/**
 * A response in a round: organisation, round, team, the team's path (as the
 * round recorded it) and role, all frozen on it. Nothing is created when the
 * round is closed (or the team is not in it): then `false`.
 */
export async function createRoundResponse(
  db: Db,
  input: {
    organisationId: string;
    roundId: string;
    teamId: string;
    role: ParticipantRole;
    tokenHash: Buffer;
    participantCode: string;
    workshopId?: string;
    /** A leader who agreed to answer on the record (a workshop that asks it). */
    onRecord?: boolean;
    /** A retried join carries the same key and finds the response the first one created. */
    creationKey?: string;
  },
): Promise<boolean> {
  const result = await db
    .insertInto('responses')
    .columns([
      'token_hash',
      'assessment_id',
      'assessment_version',
      'organisation_id',
      'round_id',
      'team_id',
      'team_path',
      'role',
      'participant_code',
      'workshop_id',
      'on_record',
      'creation_key',
    ])
    .expression((eb) =>
      eb
        .selectFrom('round_teams')
        .innerJoin('rounds', (j) =>
          j.onRef('rounds.organisation_id', '=', 'round_teams.organisation_id').onRef('rounds.id', '=', 'round_teams.round_id'),
        )
        .select([
          sql<Buffer>`${input.tokenHash}::bytea`.as('token_hash'),
          'rounds.assessment_id',
          'rounds.assessment_version',
          'round_teams.organisation_id',
          'round_teams.round_id',
          'round_teams.team_id',
          'round_teams.team_path',
          sql<string>`${input.role}::text`.as('role'),
          sql<string>`${input.participantCode}::text`.as('participant_code'),
          sql<string | null>`${input.workshopId ?? null}::uuid`.as('workshop_id'),
          sql<boolean>`${input.onRecord ?? false}::boolean`.as('on_record'),
          sql<string | null>`${input.creationKey ?? null}::text`.as('creation_key'),
        ])
        .where('round_teams.organisation_id', '=', input.organisationId)
        .where('round_teams.round_id', '=', input.roundId)
        .where('round_teams.team_id', '=', input.teamId)
        .where('rounds.status', '=', 'open'),
    )
    .onConflict((oc) => oc.column('creation_key').doNothing())
    .executeTakeFirst();
  if (Number(result.numInsertedOrUpdatedRows ?? 0n) > 0) return true;
  if (!input.creationKey) return false;
  const retried = await db.selectFrom('responses').select('id').where('creation_key', '=', input.creationKey).executeTakeFirst();
  return retried !== undefined;
}

/** Live participation: per team, how many have answered at least one checkpoint. Counts only. */
export async function participationByTeam(db: Db, organisationId: string, roundId: string): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('responses')
    .select(['team_id'])
    .select((eb) => eb.fn.countAll<string>().as('answering'))
    .where('organisation_id', '=', organisationId)
    .where('round_id', '=', roundId)
    .where((eb) => eb.exists(eb.selectFrom('answers').select(sql`1`.as('one')).whereRef('answers.response_id', '=', 'responses.id')))
    .groupBy('team_id')
    .execute();
  return new Map(rows.map((r) => [r.team_id ?? '', Number(r.answering)]));
}

/** The round's answers counted per frozen team path, role and value: what the results are computed from. */
export async function countsByPath(db: Db, organisationId: string, roundId: string): Promise<{ counts: PathCount[]; respondents: PathRespondents[] }> {
  const [counts, respondents] = await Promise.all([
    db
      .selectFrom('responses')
      .innerJoin('answers', 'answers.response_id', 'responses.id')
      .select(['responses.team_path', 'responses.role', 'answers.checkpoint_id', 'answers.kind', 'answers.value'])
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where('responses.organisation_id', '=', organisationId)
      .where('responses.round_id', '=', roundId)
      .groupBy(['responses.team_path', 'responses.role', 'answers.checkpoint_id', 'answers.kind', 'answers.value'])
      .execute(),
    db
      .selectFrom('responses')
      .select(['team_path', 'role'])
      .select((eb) => eb.fn.countAll<string>().as('respondents'))
      .where('organisation_id', '=', organisationId)
      .where('round_id', '=', roundId)
      .where((eb) => eb.exists(eb.selectFrom('answers').select(sql`1`.as('one')).whereRef('answers.response_id', '=', 'responses.id')))
      .groupBy(['team_path', 'role'])
      .execute(),
  ]);
  return {
    counts: counts.map((r) => ({
      teamPath: r.team_path ?? '',
      role: r.role ?? 'team_member',
      checkpointId: r.checkpoint_id,
      answer: r.kind === 'rating' ? { kind: 'rating', value: r.value ?? 0 } : { kind: r.kind },
      count: Number(r.count),
    })),
    respondents: respondents.map((r) => ({
      teamPath: r.team_path ?? '',
      role: r.role ?? 'team_member',
      respondents: Number(r.respondents),
    })),
  };
}

export type ResultRow = TeamResult;

/** Replace a round's computed results (at close, or after responses were deleted). */
export async function storeResults(db: Db, organisationId: string, roundId: string, rows: readonly ResultRow[]): Promise<void> {
  await db.deleteFrom('round_team_results').where('organisation_id', '=', organisationId).where('round_id', '=', roundId).execute();
  for (let i = 0; i < rows.length; i += 500) {
    await db
      .insertInto('round_team_results')
      .values(
        rows.slice(i, i + 500).map((r) => ({
          organisation_id: organisationId,
          round_id: roundId,
          team_id: r.teamId,
          team_path: r.teamPath,
          team_name: r.teamName,
          respondents: r.respondents,
          leaders: r.leaders,
          team_members: r.teamMembers,
          counts: JSON.stringify(r.counts),
          summary: JSON.stringify(r.summary),
          withheld: r.withheld,
        })),
      )
      .execute();
  }
}

/**
 * Close a round: from here on no answer changes, then `compute` turns the
 * round's counts into results, stored in the same transaction. `false` when the
 * round was not open.
 */
export async function closeRound(
  db: Kysely<Database>,
  organisationId: string,
  roundId: string,
  compute: (input: { counts: PathCount[]; respondents: PathRespondents[] }) => ResultRow[],
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const closed = await trx
      .updateTable('rounds')
      .set({ status: 'closed', closed_at: sql`now()` })
      .where('organisation_id', '=', organisationId)
      .where('id', '=', roundId)
      .where('status', '=', 'open')
      .executeTakeFirst();
    if (Number(closed.numUpdatedRows) === 0) return false;
    const input = await countsByPath(trx, organisationId, roundId);
    await storeResults(trx, organisationId, roundId, compute(input));
    return true;
  });
}

export interface StoredResult {
  teamId: string;
  teamPath: string;
  teamName: string;
  respondents: number;
  leaders: number;
  teamMembers: number;
  summary: PhaseSummary[];
  /** Withheld by the anonymity rules, decided when the results were computed. */
  withheld: boolean;
}

const storedColumns = [
  'team_id as teamId',
  'team_path as teamPath',
  'team_name as teamName',
  'respondents',
  'leaders',
  'team_members as teamMembers',
  'summary',
  'withheld',
] as const;

/** One team's rows across the given rounds (its trend), by round id. */
export async function teamResultSummaries(db: Db, organisationId: string, teamId: string): Promise<Map<string, StoredResult>> {
  const rows = await db
    .selectFrom('round_team_results')
    .select(['round_id', ...storedColumns])
    .where('organisation_id', '=', organisationId)
    .where('team_id', '=', teamId)
    .execute();
  return new Map(rows.map(({ round_id, summary, ...row }) => [round_id, { ...row, summary: summary as PhaseSummary[] }]));
}

/** Names of some teams as a round recorded them (for a path label). */
export async function resultNames(db: Db, organisationId: string, roundId: string, teamIds: readonly string[]): Promise<Map<string, string>> {
  if (teamIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('round_team_results')
    .select(['team_id', 'team_name'])
    .where('organisation_id', '=', organisationId)
    .where('round_id', '=', roundId)
    .where('team_id', 'in', teamIds)
    .execute();
  return new Map(rows.map((r) => [r.team_id, r.team_name]));
}

/** The heatmap's rows: the summaries only (no answer counts). */
export async function resultSummaries(db: Db, organisationId: string, roundIds: readonly string[]): Promise<Map<string, StoredResult[]>> {
  if (roundIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('round_team_results')
    .select(['round_id', ...storedColumns])
    .where('organisation_id', '=', organisationId)
    .where('round_id', 'in', roundIds)
    .execute();
  const byRound = new Map<string, StoredResult[]>(roundIds.map((id) => [id, []]));
  for (const { round_id, summary, ...row } of rows) byRound.get(round_id)?.push({ ...row, summary: summary as PhaseSummary[] });
  return byRound;
}

/** One team's pooled answer counts in a closed round, for the engine. */
export async function resultCounts(
  db: Db,
  organisationId: string,
  roundId: string,
  teamId: string,
): Promise<(StoredResult & { counts: CountedAnswer[] }) | undefined> {
  const row = await db
    .selectFrom('round_team_results')
    .select([...storedColumns, 'counts'])
    .where('organisation_id', '=', organisationId)
    .where('round_id', '=', roundId)
    .where('team_id', '=', teamId)
    .executeTakeFirst();
  return row ? { ...row, summary: row.summary as PhaseSummary[], counts: row.counts as CountedAnswer[] } : undefined;
}

/** Delete every response given for a team (answers and notes go with them); returns the rounds touched. */
export async function deleteTeamResponses(db: Db, organisationId: string, teamId: string): Promise<{ deleted: number; roundIds: string[] }> {
  const rows = await db
    .deleteFrom('responses')
    .where('organisation_id', '=', organisationId)
    .where('team_id', '=', teamId)
    .returning('round_id')
    .execute();
  return { deleted: rows.length, roundIds: [...new Set(rows.map((r) => r.round_id ?? ''))].filter((id) => id !== '') };
}

export interface TeamAction {
  id: string;
  roundId: string;
  teamId: string;
  checkpointId: string;
  title: string;
  ownerName: string;
  dueRound: string;
  createdAt: Date;
}

const actionColumns = [
  'id',
  'round_id as roundId',
  'team_id as teamId',
  'checkpoint_id as checkpointId',
  'title',
  'owner_name as ownerName',
  'due_round as dueRound',
  'created_at as createdAt',
] as const;

export async function addTeamAction(
  db: Db,
  organisationId: string,
  input: Omit<TeamAction, 'id' | 'createdAt'> & { createdBy: string },
): Promise<void> {
  await db
    .insertInto('team_actions')
    .values({
      organisation_id: organisationId,
      round_id: input.roundId,
      team_id: input.teamId,
      checkpoint_id: input.checkpointId,
      title: input.title,
      owner_name: input.ownerName,
      due_round: input.dueRound,
      created_by: input.createdBy,
    })
    .execute();
}

/** The organisation's actions (all, or one team's), oldest first. */
export async function teamActions(db: Db, organisationId: string, teamId?: string): Promise<TeamAction[]> {
  let query = db.selectFrom('team_actions').select(actionColumns).where('organisation_id', '=', organisationId);
  if (teamId !== undefined) query = query.where('team_id', '=', teamId);
  return query.orderBy('created_at').execute();
}

/** Pooled answer counts of many (round, team) pairs at once, for judging actions. */
export async function resultCountsFor(
  db: Db,
  organisationId: string,
  roundIds: readonly string[],
): Promise<Map<string, { respondents: number; counts: CountedAnswer[]; teamPath: string; withheld: boolean }>> {
  if (roundIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('round_team_results')
    .select(['round_id', 'team_id', 'team_path', 'respondents', 'counts', 'withheld'])
    .where('organisation_id', '=', organisationId)
    .where('round_id', 'in', roundIds)
    .execute();
  return new Map(
    rows.map((r) => [`${r.round_id}:${r.team_id}`, { respondents: r.respondents, counts: r.counts as CountedAnswer[], teamPath: r.team_path, withheld: r.withheld }]),
  );
}

export interface ExportedRoundAnswer {
  responseId: string;
  teamPath: string;
  checkpointId: string;
  answer: CountedAnswer['answer'];
}

/**
 * A round's answers, a batch of responses at a time (keyset by response id), so
 * an export of any size holds one batch in memory.
 */
export async function* roundAnswerBatches(
  db: Kysely<Database>,
  organisationId: string,
  roundId: string,
  responsesPerBatch = 500,
): AsyncGenerator<ExportedRoundAnswer[]> {
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const responses = await db
      .selectFrom('responses')
      .select(['id', 'team_path'])
      .where('organisation_id', '=', organisationId)
      .where('round_id', '=', roundId)
      .where('id', '>', after)
      .orderBy('id')
      .limit(responsesPerBatch)
      .execute();
    if (responses.length === 0) return;
    after = responses.at(-1)!.id;
    const pathOf = new Map(responses.map((r) => [r.id, r.team_path ?? '']));
    const answers = await db
      .selectFrom('answers')
      .select(['response_id', 'checkpoint_id', 'kind', 'value'])
      .where(
        'response_id',
        'in',
        responses.map((r) => r.id),
      )
      .orderBy('response_id')
      .orderBy('checkpoint_id')
      .execute();
    yield answers.map((a) => ({
      responseId: a.response_id,
      teamPath: pathOf.get(a.response_id) ?? '',
      checkpointId: a.checkpoint_id,
      answer: a.kind === 'rating' ? { kind: 'rating' as const, value: a.value ?? 0 } : { kind: a.kind },
    }));
    if (responses.length < responsesPerBatch) return;
  }
}

/** Recompute a closed round's results from the answers left (after responses were deleted). */
export async function recomputeResults(
  db: Kysely<Database>,
  organisationId: string,
  roundId: string,
  compute: (input: { counts: PathCount[]; respondents: PathRespondents[] }) => ResultRow[],
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const input = await countsByPath(trx, organisationId, roundId);
    await storeResults(trx, organisationId, roundId, compute(input));
  });
}
