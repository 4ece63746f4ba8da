import type { AuditEntry } from '../data/organisations.js';
import type { RoundRecord, RoundTeamRecord, StoredResult } from '../data/rounds.js';
import type { Definition } from '../domain/definition.js';
import { can, canReadTeam, type Membership, type OrganisationRole } from '../domain/organisation-access.js';
import { statusLabels } from './diagnostic-view.js';
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
    { key: 'actions', label: 'Actions', href: `${base}/actions`, shown: true },
    { key: 'teams', label: 'Teams', href: `${base}/teams`, shown: can(membership, 'manage_teams') },
    { key: 'members', label: 'Members', href: `${base}/members`, shown: can(membership, 'manage_members') },
    { key: 'rounds', label: 'New round', href: `${base}/rounds/new`, shown: can(membership, 'manage_rounds') },
    { key: 'settings', label: 'Settings', href: `${base}/settings`, shown: can(membership, 'manage_settings') },
    { key: 'api', label: 'API tokens', href: `${base}/api-tokens`, shown: can(membership, 'manage_api_tokens') },
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
    heatmapPath: round.status === 'closed' ? `/organisations/${organisationId}/rounds/${round.id}/heatmap` : undefined,
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

// ── Results: the heatmap, a team's trend ─────────────────────────────────────────────────────────

export interface HeatmapInput {
  definition: Definition;
  base: string;
  round: RoundRecord;
  rows: readonly StoredResult[];
  /** The previous closed round and its rows, for the change column. */
  previous?: { round: RoundRecord; rows: readonly StoredResult[]; hidden: ReadonlySet<string> };
  membership: Membership;
  /** Teams whose results are withheld (below the minimum, or revealing by difference). */
  hidden: ReadonlySet<string>;
}

/** One collator for every sort (localeCompare builds one per call). */
const byName = new Intl.Collator('en');

const signed = (n: number) => (n > 0 ? `+${n}` : n < 0 ? `−${Math.abs(n)}` : '0');

/** Whether two rounds' results can be compared phase by phase (same assessment and version). */
export function sameQuestionnaire(a: RoundRecord, b: RoundRecord): boolean {
  return a.assessmentId === b.assessmentId && a.assessmentVersion === b.assessmentVersion;
}

/** Rows of a closed round as a teams × phases grid: parents first, each cell status, score, n and change. */
export function heatmapView(input: HeatmapInput) {
  const { definition, round, rows, previous, membership, hidden } = input;
  const names = new Map(rows.map((r) => [r.teamId, r.teamName]));
  const previousRows = new Map((previous?.rows ?? []).map((r) => [r.teamId, r]));
  const comparable = previous ? sameQuestionnaire(previous.round, round) : false;
  const pathLabel = (path: string) =>
    path
      .split('/')
      .map((id) => names.get(id) ?? '…')
      .join(' / ');
  return {
    phases: definition.phases.map((p, i) => ({ number: i + 1, title: p.title })),
    previousLabel: previous?.round.label,
    comparable,
    rows: rows
      .filter((r) => canReadTeam(membership, r.teamPath))
      .map((r) => ({ r, label: pathLabel(r.teamPath) }))
      .sort((a, b) => byName.compare(a.label, b.label))
      .map(({ r, label }) => {
        const shown = !hidden.has(r.teamId);
        const before = previousRows.get(r.teamId);
        const beforeShown = before !== undefined && !previous?.hidden.has(before.teamId);
        return {
          teamId: r.teamId,
          name: r.teamName,
          label,
          depth: Math.min(r.teamPath.split('/').length - 1, 6),
          n: r.respondents,
          shown,
          href: shown ? `${input.base}/rounds/${round.id}/teams/${r.teamId}` : undefined,
          cells: definition.phases.map((phase) => {
            const cell = r.summary.find((s) => s.phaseId === phase.id);
            if (!shown || !cell) return { shown: false };
            const prior = beforeShown ? before.summary.find((s) => s.phaseId === phase.id) : undefined;
            const change =
              !comparable || !prior || prior.score === null || cell.score === null ? undefined : signed(cell.score - prior.score);
            return {
              shown: true,
              status: cell.status,
              statusLabel: statusLabels[cell.status],
              score: cell.score,
              change,
              changeNote: previous ? (comparable ? (change === undefined ? 'no earlier result' : `since ${previous.round.label}`) : 'not comparable') : undefined,
            };
          }),
        };
      }),
  };
}

export interface TrendPoint {
  round: RoundRecord;
  row: StoredResult | undefined;
  shown: boolean;
}

/**
 * A team's phase scores across closed rounds, oldest first. A change of
 * questionnaire (assessment or version) starts a new segment: lines never join
 * across it, and the table marks it.
 */
export function trendView(definition: Definition, points: readonly TrendPoint[]) {
  const segments: TrendPoint[][] = [];
  for (const point of points) {
    const last = segments.at(-1);
    if (last && sameQuestionnaire(last[0]!.round, point.round)) last.push(point);
    else segments.push([point]);
  }
  const labels = points.map((p) => p.round.label);
  const scoreOf = (p: TrendPoint, phaseId: string) => (p.shown ? (p.row?.summary.find((s) => s.phaseId === phaseId)?.score ?? null) : null);
  const datasets = definition.phases.flatMap((phase, phaseIndex) =>
    segments.map((segment, segmentIndex) => ({
      label: `${phaseIndex + 1}. ${phase.title}`,
      phase: phaseIndex,
      first: segmentIndex === 0,
      data: points.map((p) => (segment.includes(p) ? scoreOf(p, phase.id) : null)),
    })),
  );
  const breaks = segments.slice(1).map((s) => s[0]!.round.label);
  return {
    chart: { type: 'phase-trend', labels, datasets, breaks },
    breaks,
    rows: points.map((p, i) => ({
      label: p.round.label,
      versionBreak: i > 0 && !sameQuestionnaire(points[i - 1]!.round, p.round),
      version: `${p.round.assessmentId} v${p.round.assessmentVersion}`,
      shown: p.shown,
      n: p.row?.respondents ?? 0,
      scores: definition.phases.map((phase) => scoreOf(p, phase.id)),
    })),
  };
}
