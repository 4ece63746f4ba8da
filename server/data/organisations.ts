import { sql, type Kysely, type Transaction } from 'kysely';
import type { Membership, OrganisationRole } from '../domain/organisation-access.js';
import type { Database } from './database.js';

/**
 * Organisations, memberships, invitations and the audit log. Every query on an
 * organisation-scoped table filters by organisation_id (the key the tables
 * would be distributed on).
 */

type Db = Kysely<Database> | Transaction<Database>;

export interface OrganisationRecord {
  id: string;
  name: string;
  anonymityMinimum: number;
  createdAt: Date;
}

const organisationColumns = ['id', 'name', 'anonymity_minimum as anonymityMinimum', 'created_at as createdAt'] as const;

/** A new organisation with its creator as owner, and the first line of its audit log. */
export async function createOrganisation(
  db: Kysely<Database>,
  input: { name: string; anonymityMinimum?: number; owner: { id: string; displayName: string } },
): Promise<OrganisationRecord> {
  return db.transaction().execute(async (trx) => {
    const organisation = await trx
      .insertInto('organisations')
      .values({ name: input.name, anonymity_minimum: input.anonymityMinimum })
      .returning(organisationColumns)
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('memberships')
      .values({ organisation_id: organisation.id, user_id: input.owner.id, role: 'owner', branch_team_id: null })
      .execute();
    await recordAudit(trx, organisation.id, input.owner, 'organisation_created', { name: input.name });
    return organisation;
  });
}

export async function findOrganisation(db: Db, organisationId: string): Promise<OrganisationRecord | undefined> {
  return db.selectFrom('organisations').select(organisationColumns).where('id', '=', organisationId).executeTakeFirst();
}

export async function updateOrganisationSettings(
  db: Db,
  organisationId: string,
  input: { name: string; anonymityMinimum: number },
): Promise<void> {
  await db
    .updateTable('organisations')
    .set({ name: input.name, anonymity_minimum: input.anonymityMinimum })
    .where('id', '=', organisationId)
    .execute();
}

/** Delete the organisation and, through its foreign keys, everything it holds. */
export async function deleteOrganisation(db: Db, organisationId: string): Promise<void> {
  await db.deleteFrom('organisations').where('id', '=', organisationId).execute();
}

export interface OrganisationOfUser extends OrganisationRecord {
  role: OrganisationRole;
}

export async function organisationsOf(db: Db, userId: string): Promise<OrganisationOfUser[]> {
  return db
    .selectFrom('memberships')
    .innerJoin('organisations', 'organisations.id', 'memberships.organisation_id')
    .select([
      'organisations.id',
      'organisations.name',
      'organisations.anonymity_minimum as anonymityMinimum',
      'organisations.created_at as createdAt',
      'memberships.role',
    ])
    .where('memberships.user_id', '=', userId)
    .orderBy('organisations.name')
    .execute();
}

export async function membershipOf(db: Db, organisationId: string, userId: string): Promise<Membership | undefined> {
  return db
    .selectFrom('memberships')
    .select(['organisation_id as organisationId', 'user_id as userId', 'role', 'branch_team_id as branchTeamId'])
    .where('organisation_id', '=', organisationId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
}

export interface MemberRecord extends Membership {
  displayName: string;
  email: string;
}

export async function listMembers(db: Db, organisationId: string): Promise<MemberRecord[]> {
  return db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select([
      'memberships.organisation_id as organisationId',
      'memberships.user_id as userId',
      'memberships.role',
      'memberships.branch_team_id as branchTeamId',
      'users.display_name as displayName',
      'users.email',
    ])
    .where('memberships.organisation_id', '=', organisationId)
    .orderBy('users.display_name')
    .execute();
}

export async function countOwners(db: Db, organisationId: string): Promise<number> {
  const row = await db
    .selectFrom('memberships')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('organisation_id', '=', organisationId)
    .where('role', '=', 'owner')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function setMembership(
  db: Db,
  organisationId: string,
  userId: string,
  role: OrganisationRole,
  branchTeamId: string | null,
): Promise<void> {
  await db
    .insertInto('memberships')
    .values({ organisation_id: organisationId, user_id: userId, role, branch_team_id: branchTeamId })
    .onConflict((oc) => oc.columns(['organisation_id', 'user_id']).doUpdateSet({ role, branch_team_id: branchTeamId }))
    .execute();
}

export async function removeMember(db: Db, organisationId: string, userId: string): Promise<void> {
  await db.deleteFrom('memberships').where('organisation_id', '=', organisationId).where('user_id', '=', userId).execute();
}

export interface InvitationRecord {
  id: string;
  organisationId: string;
  role: Exclude<OrganisationRole, 'owner'>;
  branchTeamId: string | null;
  createdAt: Date;
  expiresAt: Date;
}

const invitationColumns = [
  'id',
  'organisation_id as organisationId',
  'role',
  'branch_team_id as branchTeamId',
  'created_at as createdAt',
  'expires_at as expiresAt',
] as const;

export async function createInvitation(
  db: Db,
  organisationId: string,
  input: { tokenHash: Buffer; role: InvitationRecord['role']; branchTeamId: string | null; createdBy: string; expiresAt: Date },
): Promise<InvitationRecord> {
  return db
    .insertInto('invitations')
    .values({
      organisation_id: organisationId,
      token_hash: input.tokenHash,
      role: input.role,
      branch_team_id: input.branchTeamId,
      created_by: input.createdBy,
      expires_at: input.expiresAt,
    })
    .returning(invitationColumns)
    .executeTakeFirstOrThrow();
}

/** Invitations not yet accepted, revoked or expired. */
export async function pendingInvitations(db: Db, organisationId: string): Promise<InvitationRecord[]> {
  return db
    .selectFrom('invitations')
    .select(invitationColumns)
    .where('organisation_id', '=', organisationId)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .orderBy('created_at', 'desc')
    .execute();
}

/** A usable invitation of this organisation for this token hash. */
export async function findUsableInvitation(db: Db, organisationId: string, tokenHash: Buffer): Promise<InvitationRecord | undefined> {
  return db
    .selectFrom('invitations')
    .select(invitationColumns)
    .where('organisation_id', '=', organisationId)
    .where('token_hash', '=', tokenHash)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
}

export async function revokeInvitation(db: Db, organisationId: string, invitationId: string): Promise<boolean> {
  const result = await db
    .updateTable('invitations')
    .set({ revoked_at: sql`now()` })
    .where('organisation_id', '=', organisationId)
    .where('id', '=', invitationId)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * Accept an invitation: used once. Someone already in the organisation keeps
 * their role (an invitation never demotes an owner or an admin).
 */
export async function acceptInvitation(
  db: Kysely<Database>,
  invitation: InvitationRecord,
  user: { id: string; displayName: string },
): Promise<'joined' | 'already_member' | 'used'> {
  return db.transaction().execute(async (trx) => {
    const claimed = await trx
      .updateTable('invitations')
      .set({ accepted_at: sql`now()`, accepted_by: user.id })
      .where('organisation_id', '=', invitation.organisationId)
      .where('id', '=', invitation.id)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) === 0) return 'used';
    const inserted = await trx
      .insertInto('memberships')
      .values({
        organisation_id: invitation.organisationId,
        user_id: user.id,
        role: invitation.role,
        branch_team_id: invitation.branchTeamId,
      })
      .onConflict((oc) => oc.columns(['organisation_id', 'user_id']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) return 'already_member';
    await recordAudit(trx, invitation.organisationId, user, 'member_joined', { role: invitation.role, branchTeamId: invitation.branchTeamId });
    return 'joined';
  });
}

export type AuditAction =
  | 'organisation_created'
  | 'settings_changed'
  | 'member_joined'
  | 'role_changed'
  | 'member_removed'
  | 'invitation_created'
  | 'invitation_revoked'
  | 'round_opened'
  | 'round_closed'
  | 'exported'
  | 'team_responses_deleted'
  | 'api_token_created'
  | 'api_token_revoked';

export async function recordAudit(
  db: Db,
  organisationId: string,
  actor: { id: string | null; displayName: string } | null,
  action: AuditAction,
  detail: Record<string, unknown> = {},
): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      organisation_id: organisationId,
      actor_id: actor?.id ?? null,
      actor_name: actor?.displayName ?? 'Stallpoint',
      action,
      detail: JSON.stringify(detail),
    })
    .execute();
}

export interface AuditEntry {
  id: string;
  actorName: string;
  action: AuditAction;
  detail: Record<string, unknown>;
  createdAt: Date;
}

export async function auditLog(db: Db, organisationId: string, limit = 200): Promise<AuditEntry[]> {
  const rows = await db
    .selectFrom('audit_log')
    .select(['id', 'actor_name as actorName', 'action', 'detail', 'created_at as createdAt'])
    .where('organisation_id', '=', organisationId)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...r, action: r.action as AuditAction, detail: (r.detail ?? {}) as Record<string, unknown> }));
}
