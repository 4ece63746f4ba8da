import type { ColumnType, Generated } from 'kysely';

/** The database as Kysely sees it. Row types stay inside `server/data/`. */
export interface Database {
  app_settings: { key: string; value: string };
  responses: {
    id: Generated<string>;
    token_hash: Buffer;
    assessment_id: string;
    assessment_version: number;
    last_step: string | null;
    creation_key: string | null;
    /** Set for a workshop participant: the workshop and role are frozen on the response. */
    workshop_id: string | null;
    role: ParticipantRole | null;
    participant_code: string | null;
    /** The response this one retakes (a leader's next quarter); at most one retake per response. */
    previous_response_id: ColumnType<string | null, string | null | undefined, never>;
    /** Set for a response given in an organisation's round: the round, team and team path at the time, frozen. */
    organisation_id: ColumnType<string | null, string | null | undefined, never>;
    round_id: ColumnType<string | null, string | null | undefined, never>;
    team_id: ColumnType<string | null, string | null | undefined, never>;
    team_path: ColumnType<string | null, string | null | undefined, never>;
    /** The participant agreed to answer on the record (a leader, when the workshop asks it). */
    on_record: ColumnType<boolean, boolean | undefined, boolean>;
    created_at: ColumnType<Date, never, never>;
    updated_at: ColumnType<Date, never, Date | string>;
  };
  answers: {
    response_id: string;
    checkpoint_id: string;
    kind: 'rating' | 'not_applicable' | 'dont_know';
    value: number | null;
    /** No longer written (it was the browser's clock); kept for older app processes during a deploy. */
    client_rev: ColumnType<string | null, null | undefined, null>;
    /** The server's revision: 1 when first stored, one more on each change. */
    revision: ColumnType<number, number | undefined, number>;
    /** Copied from the response (frozen there) so a workshop's answers are counted from one index. */
    workshop_id: ColumnType<string | null, string | null | undefined, never>;
    role: ColumnType<ParticipantRole | null, ParticipantRole | null | undefined, never>;
    updated_at: ColumnType<Date, never, Date | string>;
  };
  evidence_notes: {
    response_id: string;
    checkpoint_id: string;
    note: string;
    client_rev: ColumnType<string | null, null | undefined, null>;
    revision: ColumnType<number, number | undefined, number>;
    /** Shared with the workshop's room by its author (only a workshop participant's note can be). */
    shared: ColumnType<boolean, boolean | undefined, boolean>;
    updated_at: ColumnType<Date, never, Date | string>;
  };
  users: {
    id: Generated<string>;
    /** Trimmed and lower-cased (a check constraint holds it to that). */
    email: string;
    display_name: string;
    /** "scrypt$N$r$p$salt$hash" */
    password_hash: string;
    created_at: ColumnType<Date, never, never>;
  };
  sessions: {
    /** sha256 of the cookie's random token. */
    token_hash: Buffer;
    user_id: string;
    created_at: ColumnType<Date, never, never>;
    expires_at: ColumnType<Date, Date | string, Date | string>;
  };
  workshops: {
    id: Generated<string>;
    owner_id: string;
    title: string;
    assessment_id: string;
    assessment_version: number;
    roles: ParticipantRole[];
    anonymity_minimum: number;
    expected_participants: number | null;
    join_code: string;
    status: ColumnType<'open' | 'closed', 'open' | 'closed' | undefined, 'open' | 'closed'>;
    results_revealed: ColumnType<boolean, boolean | undefined, boolean>;
    created_at: ColumnType<Date, never, never>;
    closed_at: Date | null;
    /** Set when the workshop is a team's answer channel in an organisation's round. */
    organisation_id: ColumnType<string | null, string | null | undefined, string | null>;
    round_id: ColumnType<string | null, string | null | undefined, string | null>;
    team_id: ColumnType<string | null, string | null | undefined, string | null>;
    leaders_on_record: ColumnType<boolean, boolean | undefined, boolean>;
    exported_at: ColumnType<Date | null, never, Date | string | null>;
    published_version: ColumnType<number, never, never>;
  };
  /** What a workshop's group views show: answers as last published, per checkpoint and series. */
  published_answers: {
    workshop_id: string;
    checkpoint_id: string;
    response_id: string;
    series: string;
    role: ParticipantRole;
    kind: 'rating' | 'not_applicable' | 'dont_know';
    value: number | null;
  };
  workshop_consensus: {
    workshop_id: string;
    checkpoint_id: string;
    kind: 'rating' | 'not_applicable' | 'dont_know';
    value: number | null;
    dissent_note: string | null;
    updated_at: ColumnType<Date, never, Date | string>;
  };
  workshop_actions: {
    id: Generated<string>;
    workshop_id: string;
    checkpoint_id: string;
    title: string;
    owner_name: string;
    due_quarter: string;
    request_key: string | null;
    created_at: ColumnType<Date, never, never>;
  };
  response_actions: {
    id: Generated<string>;
    response_id: string;
    checkpoint_id: string;
    description: string;
    owner: string;
    due_quarter: string;
    created_at: ColumnType<Date, never, never>;
    updated_at: ColumnType<Date, never, Date | string>;
  };
  organisations: {
    id: Generated<string>;
    name: string;
    anonymity_minimum: ColumnType<number, number | undefined, number>;
    created_at: ColumnType<Date, never, never>;
  };
  teams: {
    organisation_id: string;
    id: Generated<string>;
    parent_id: string | null;
    name: string;
    archived_at: Date | null;
    created_at: ColumnType<Date, never, never>;
  };
  memberships: {
    organisation_id: string;
    user_id: string;
    role: OrganisationRole;
    branch_team_id: string | null;
    created_at: ColumnType<Date, never, never>;
  };
  invitations: {
    organisation_id: string;
    id: Generated<string>;
    token_hash: Buffer;
    role: Exclude<OrganisationRole, 'owner'>;
    branch_team_id: string | null;
    created_by: string | null;
    created_at: ColumnType<Date, never, never>;
    expires_at: Date;
    accepted_by: string | null;
    accepted_at: Date | null;
    revoked_at: Date | null;
  };
  rounds: {
    organisation_id: string;
    id: Generated<string>;
    label: string;
    assessment_id: string;
    assessment_version: number;
    anonymity_minimum: number;
    status: ColumnType<'open' | 'closed', 'open' | 'closed' | undefined, 'open' | 'closed'>;
    opened_at: ColumnType<Date, never, never>;
    closed_at: Date | null;
  };
  round_teams: {
    organisation_id: string;
    round_id: string;
    team_id: string;
    headcount: number;
    team_path: string;
    team_path_label: string;
    link_token_hash: Buffer;
  };
  round_team_results: {
    organisation_id: string;
    round_id: string;
    team_id: string;
    team_path: string;
    team_name: string;
    respondents: number;
    leaders: number;
    team_members: number;
    /** JSON text on insert; parsed by pg on select. */
    counts: ColumnType<unknown, string, string>;
    summary: ColumnType<unknown, string, string>;
    /** Withheld by the anonymity rules (below the minimum, or revealing a smaller group by subtraction), decided at close. */
    withheld: ColumnType<boolean, boolean | undefined, boolean>;
  };
  api_tokens: {
    organisation_id: string;
    id: Generated<string>;
    name: string;
    token_hash: Buffer;
    created_by: string | null;
    created_at: ColumnType<Date, never, never>;
    revoked_at: Date | null;
  };
  team_actions: {
    organisation_id: string;
    id: Generated<string>;
    round_id: string;
    team_id: string;
    checkpoint_id: string;
    title: string;
    owner_name: string;
    due_round: string;
    created_by: string | null;
    created_at: ColumnType<Date, never, never>;
  };
  audit_log: {
    organisation_id: string;
    id: ColumnType<string, never, never>;
    actor_id: string | null;
    actor_name: string;
    action: string;
    detail: ColumnType<unknown, string | undefined, never>;
    created_at: ColumnType<Date, never, never>;
  };
}

export type OrganisationRole = 'owner' | 'admin' | 'coach' | 'viewer' | 'member';

export type ParticipantRole = 'leader' | 'team_member';
