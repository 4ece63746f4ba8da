import { pathInBranch } from './team-tree.js';

/**
 * Who may do what in an organisation. Pure: a membership and a team path in,
 * a yes or no out. Seeing results is separate from editing.
 *
 * - owner: everything, including settings and deleting data;
 * - admin: teams, members, rounds; reads every result;
 * - coach: runs workshops for the teams in their branch and reads their results;
 * - viewer: reads aggregated results in their branch, changes nothing;
 * - member: answers, and reads their own team's results once the round has closed.
 */

export const organisationRoles = ['owner', 'admin', 'coach', 'viewer', 'member'] as const;
export type OrganisationRole = (typeof organisationRoles)[number];

export interface Membership {
  organisationId: string;
  userId: string;
  role: OrganisationRole;
  /** The team whose branch scopes a coach, viewer or member; null for the whole organisation. */
  branchTeamId: string | null;
}

export type Capability =
  | 'manage_settings' // settings, deleting data, the organisation itself
  | 'manage_members' // invitations and roles
  | 'manage_teams'
  | 'manage_rounds'
  | 'manage_api_tokens'
  | 'read_audit_log'
  | 'export'
  | 'see_participation';

const capabilities: Record<OrganisationRole, ReadonlySet<Capability>> = {
  owner: new Set<Capability>([
    'manage_settings',
    'manage_members',
    'manage_teams',
    'manage_rounds',
    'manage_api_tokens',
    'read_audit_log',
    'export',
    'see_participation',
  ]),
  admin: new Set<Capability>(['manage_members', 'manage_teams', 'manage_rounds', 'manage_api_tokens', 'read_audit_log', 'export', 'see_participation']),
  coach: new Set<Capability>(['see_participation']),
  viewer: new Set<Capability>(['see_participation']),
  member: new Set<Capability>(),
};

export function can(membership: Membership, capability: Capability): boolean {
  return capabilities[membership.role].has(capability);
}

/** Roles an admin may hand out; only an owner makes owners or changes another owner. */
export function canAssignRole(actor: Membership, role: OrganisationRole, currentRoleOfTarget?: OrganisationRole): boolean {
  if (!can(actor, 'manage_members')) return false;
  if (actor.role === 'owner') return true;
  return role !== 'owner' && currentRoleOfTarget !== 'owner';
}

/**
 * Whether this member may read results for a team at `teamPath` (a row pooling
 * that team's subtree). Owners and admins read everything; coaches and viewers
 * their branch; members only their own team's row.
 */
export function canReadTeam(membership: Membership, teamPath: string): boolean {
  switch (membership.role) {
    case 'owner':
    case 'admin':
      return true;
    case 'coach':
    case 'viewer':
      return membership.branchTeamId === null || pathInBranch(teamPath, membership.branchTeamId);
    case 'member':
      return membership.branchTeamId !== null && teamPath.split('/').at(-1) === membership.branchTeamId;
  }
}

/** A role that needs a branch to mean anything. */
export function roleNeedsBranch(role: OrganisationRole): boolean {
  return role === 'member';
}
