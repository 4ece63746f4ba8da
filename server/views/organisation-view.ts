import type { AuditEntry } from '../data/organisations.js';
import type { RoundRecord, RoundTeamRecord } from '../data/rounds.js';
import { can, type Membership, type OrganisationRole } from '../domain/organisation-access.js';
import { treeOrder, type TeamNode } from '../domain/team-tree.js';

/** What organisation pages show: labels, the navigation a role gets, the tree, participation (counts only). */

export const organisationRoleLabels: Record<OrganisationRole, string> = {
  owner: 'Owner',
  admin: 'Admin',
  coach: 'Coach',
  viewer: 'Viewer',
  member: 'Member',
};

export const organisationRoleMeanings: Record<OrganisationRole, string> = {
  owner: 'Everything, including settings and deleting data.',
  admin: 'Teams, members and rounds; reads every result.',
  coach: 'Runs workshops for the teams in their branch and reads their results.',
  viewer: 'Reads aggregated results for their branch of the team tree.',
  member: 'Answers, and sees their own team’s results once a round has closed.',
};

export function organisationNav(organisationId: string, membership: Membership, current: string) {
  const base = `/organisations/${organisationId}`;
  const items = [
    { key: 'home', label: 'Overview', href: base, shown: true },
    { key: 'teams', label: 'Teams', href: `${base}/teams`, shown: can(membership, 'manage_teams') },
    { key: 'members', label: 'Members', href: `${base}/members`, shown: can(membership, 'manage_members') },
    { key: 'rounds', label: 'New round', href: `${base}/rounds/new`, shown: can(membership, 'manage_rounds') },
    { key: 'settings', label: 'Settings', href: `${base}/settings`, shown: can(membership, 'manage_settings') },
    { key: 'audit', label: 'Audit log', href: `${base}/audit`, shown: can(membership, 'read_audit_log') },
  ];
  return items.filter((i) => i.shown).map((i) => ({ ...i, current: i.key === current }));
}

/** The tree as rows, parents first, each with its depth (for indentation) and full path label. */
export function teamRows(teams: ReadonlyMap<string, TeamNode>, options: { includeArchived?: boolean } = {}) {
  return treeOrder(teams)
    .filter((row) => options.includeArchived || !row.team.archived)
    .map((row) => ({
      id: row.team.id,
      name: row.team.name,
      parentId: row.team.parentId,
      archived: row.team.archived,
      depth: Math.min(row.depth, 6),
      pathLabel: row.path
        .split('/')
        .map((id) => teams.get(id)?.name ?? '')
        .join(' / '),
    }));
}

/** Teams for a select: active ones, by their full path. */
export function teamOptions(teams: ReadonlyMap<string, TeamNode>, selected?: string | null) {
  return teamRows(teams).map((r) => ({ value: r.id, label: r.pathLabel, selected: r.id === selected }));
}

/** Live participation of an open round: how many have answered, of how many the team has. Never a score. */
export function participationRows(roundTeams: readonly RoundTeamRecord[], answering: ReadonlyMap<string, number>) {
  return roundTeams.map((t) => {
    const n = answering.get(t.teamId) ?? 0;
    return {
      teamId: t.teamId,
      label: t.teamPathLabel,
      answering: n,
      headcount: t.headcount,
      sharePercent: Math.min(100, Math.round((n / t.headcount) * 100)),
    };
  });
}

export function roundView(round: RoundRecord, organisationId: string) {
  return {
    ...round,
    open: round.status === 'open',
    path: `/organisations/${organisationId}/rounds/${round.id}`,
    openedOn: round.openedAt.toISOString().slice(0, 10),
    closedOn: round.closedAt?.toISOString().slice(0, 10) ?? null,
  };
}

const auditSentences: Record<string, (d: Record<string, unknown>) => string> = {
  organisation_created: (d) => `created the organisation “${String(d.name ?? '')}”`,
  settings_changed: (d) => `changed the settings (anonymity minimum ${String(d.anonymityMinimum ?? '')})`,
  member_joined: (d) => `joined as ${label(d.role)}`,
  role_changed: (d) => `changed ${String(d.member ?? 'a member')}’s role from ${label(d.from)} to ${label(d.to)}`,
  member_removed: (d) => `removed ${String(d.member ?? 'a member')}`,
  invitation_created: (d) => `created an invitation link for a ${label(d.role)}`,
  invitation_revoked: () => 'revoked an invitation link',
  round_opened: (d) => `opened round ${String(d.label ?? '')} for ${String(d.teams ?? 0)} teams`,
  round_closed: (d) => `closed round ${String(d.label ?? '')}; results computed for ${String(d.teams ?? 0)} teams`,
  exported: (d) => `exported ${String(d.what ?? 'data')} of round ${String(d.label ?? '')}`,
  team_responses_deleted: (d) => `deleted ${String(d.deleted ?? 0)} responses of ${String(d.team ?? 'a team')}`,
  api_token_created: (d) => `created the API token “${String(d.name ?? '')}”`,
  api_token_revoked: (d) => `revoked the API token “${String(d.name ?? '')}”`,
};

function label(role: unknown): string {
  return typeof role === 'string' && role in organisationRoleLabels ? organisationRoleLabels[role as OrganisationRole].toLowerCase() : 'member';
}

export function auditRows(entries: readonly AuditEntry[]) {
  return entries.map((e) => ({
    when: e.createdAt.toISOString().replace('T', ' ').slice(0, 16) + ' UTC',
    actor: e.actorName,
    sentence: (auditSentences[e.action] ?? (() => e.action))(e.detail),
  }));
}
