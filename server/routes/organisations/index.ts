import { quarterOf } from '../../domain/quarters.js';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  acceptInvitation,
  auditLog,
  findOrganisation,
  findUsableInvitation,
  countOwners,
  createInvitation,
  createOrganisation,
  listMembers,
  organisationsOf,
  pendingInvitations,
  recordAudit,
  removeMember,
  revokeInvitation,
  setMembership,
  updateOrganisationSettings,
} from '../../data/organisations.js';
import { closeRound, findRound, findRoundTeam, openRound, participationByTeam, roundTeams, roundsOf } from '../../data/rounds.js';
import { createTeam, teamsOf, updateTeam } from '../../data/teams.js';
import { createWorkshop, linkWorkshopToRound, workshopsOfRound } from '../../data/workshops.js';
import { absoluteMinimum, defaultMinimum } from '../../domain/anonymity.js';
import { can, canAssignRole, canReadTeam, organisationRoles, type OrganisationRole } from '../../domain/organisation-access.js';
import { roundResults } from '../../domain/round-results.js';
import { teamPath, teamPathLabel, wouldCycle } from '../../domain/team-tree.js';
import { HttpError, notFound } from '../../http-errors.js';
import { displayJoinCode, newJoinCode } from '../../join-codes.js';
import { hashPrivateToken, isWellFormedToken, newPrivateToken } from '../../private-links.js';
import {
  auditRows,
  organisationNav,
  organisationRoleLabels,
  organisationRoleMeanings,
  participationRows,
  roundView,
  teamOptions,
  teamRows,
} from '../../views/organisation-view.js';
import { forbidden, organisationFor, requireCapability, uuidParam, type OrganisationContext } from './access.js';
import organisationDataRoutes from './data-routes.js';
import organisationResultRoutes from './results.js';
import { teamLinkToken, teamLinkPath } from './team-links.js';

/** Text as stored: trimmed, no NUL characters, one line. */
const line = (max: number, empty: string, tooLong: string) =>
  z
    .string({ error: empty })
    .transform((v) => v.replaceAll('\u0000', '').replace(/\s+/g, ' ').trim())
    .pipe(z.string().min(1, empty).max(max, tooLong));

const optionalUuid = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v === '' ? null : v))
  .pipe(z.uuid({ error: 'Choose a team from the list.' }).nullable());

const organisationForm = z.object({ name: line(200, 'Give the organisation a name.', 'Keep the name under 200 characters.') });
const settingsForm = z.object({
  name: line(200, 'Give the organisation a name.', 'Keep the name under 200 characters.'),
  minimum: z.coerce
    .number({ error: 'Enter a whole number.' })
    .int('Enter a whole number.')
    .min(absoluteMinimum, `The minimum is never below ${absoluteMinimum}.`)
    .max(50, 'Keep the minimum at 50 or below.'),
});
const teamForm = z.object({
  name: line(120, 'Give the team a name.', 'Keep the name under 120 characters.'),
  parent: optionalUuid,
  archived: z.string().optional().transform((v) => v === 'yes'),
});
const invitationForm = z.object({
  role: z.enum(['admin', 'coach', 'viewer', 'member'], { error: 'Choose a role.' }),
  branch: optionalUuid,
});
const memberForm = z.object({
  role: z.enum(organisationRoles, { error: 'Choose a role.' }),
  branch: optionalUuid,
});
const roundForm = z.object({
  label: line(40, 'Give the round a label, such as 2027-Q1.', 'Keep the label under 40 characters.'),
  assessment: z.string().regex(/^[a-z0-9.-]+@\d+$/, 'Choose an assessment.'),
});

type FormErrors = Record<string, string>;
const errorsOf = (error: z.ZodError): FormErrors =>
  Object.fromEntries(error.issues.map((i) => [String(i.path[0] ?? 'form'), i.message]));
const errorList = (errors: FormErrors) => Object.entries(errors).map(([field, message]) => ({ field, message }));

const invitationDays = 14;

export default async function organisationRoutes(app: FastifyInstance) {
  app.addHook('preHandler', app.requireCoach);
  await app.register(organisationResultRoutes);
  await app.register(organisationDataRoutes);

  const publicBase = (request: FastifyRequest) => app.config.publicUrl ?? `${request.protocol}://${request.host}`;

  /** A page inside an organisation: its name, the navigation the member's role gets, never cached. */
  const orgPage = (reply: FastifyReply, context: OrganisationContext, current: string, name: string, data: Record<string, unknown>) =>
    reply.header('cache-control', 'no-store').page(`organisations/${name}`, {
      organisation: context.organisation,
      base: context.base,
      nav: organisationNav(context.organisation.id, context.membership, current),
      myRole: organisationRoleLabels[context.membership.role],
      ...data,
    });

  // ── Organisations of the signed-in person ──────────────────────────────────────────────────────

  const renderIndex = async (request: FastifyRequest, reply: FastifyReply, values: Record<string, unknown> = {}, errors: FormErrors = {}) =>
    reply.header('cache-control', 'no-store').page('organisations/index', {
      title: 'Organisations',
      organisations: (await organisationsOf(app.db, request.user!.id)).map((o) => ({
        ...o,
        path: `/organisations/${o.id}`,
        roleLabel: organisationRoleLabels[o.role],
      })),
      values,
      errors,
      errorList: errorList(errors),
    });

  app.get('/organisations', async (request, reply) => renderIndex(request, reply));

  app.post('/organisations', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const parsed = organisationForm.safeParse(body);
    if (!parsed.success) return renderIndex(request, reply.status(422), body, errorsOf(parsed.error));
    const organisation = await createOrganisation(app.db, { name: parsed.data.name, owner: request.user! });
    return reply.redirect(`/organisations/${organisation.id}`, 303);
  });

  // ── Invitation links: open while signed in, accept once ───────────────────────────────────────

  async function usableInvitation(request: FastifyRequest) {
    const params = z.object({ organisationId: z.uuid(), token: z.string() }).safeParse(request.params);
    if (!params.success || !isWellFormedToken(params.data.token)) throw notFound('This invitation');
    const invitation = await findUsableInvitation(app.db, params.data.organisationId, hashPrivateToken(params.data.token));
    const organisation = invitation ? await findOrganisation(app.db, invitation.organisationId) : undefined;
    if (!invitation || !organisation) throw notFound('This invitation');
    return { invitation, organisation, path: `/invitations/${organisation.id}/${params.data.token}` };
  }

  app.get('/invitations/:organisationId/:token', async (request, reply) => {
    const { invitation, organisation, path } = await usableInvitation(request);
    return reply.header('cache-control', 'no-store').page('organisations/invitation', {
      title: `Join ${organisation.name}`,
      organisationName: organisation.name,
      roleLabel: organisationRoleLabels[invitation.role],
      roleMeaning: organisationRoleMeanings[invitation.role],
      path,
    });
  });

  app.post('/invitations/:organisationId/:token', async (request, reply) => {
    const { invitation, organisation } = await usableInvitation(request);
    const outcome = await acceptInvitation(app.db, invitation, request.user!);
    if (outcome === 'used') throw notFound('This invitation');
    return reply.redirect(`/organisations/${organisation.id}`, 303);
  });

  // ── Home: the open rounds' participation (counts only) and past rounds ─────────────────────────

  app.get('/organisations/:organisationId', async (request, reply) => {
    const context = await organisationFor(app, request);
    const { organisation, membership } = context;
    const rounds = await roundsOf(app.db, organisation.id);
    const open = [];
    for (const round of rounds.filter((r) => r.status === 'open')) {
      const showParticipation = can(membership, 'see_participation');
      const teams = showParticipation ? await roundTeams(app.db, organisation.id, round.id) : [];
      const answering = showParticipation ? await participationByTeam(app.db, organisation.id, round.id) : new Map<string, number>();
      open.push({
        ...roundView(round, organisation.id),
        participation: participationRows(
          teams.filter((t) => canReadTeam(membership, t.teamPath)),
          answering,
        ),
      });
    }
    return orgPage(reply, context, 'home', 'home', {
      title: organisation.name,
      openRounds: open,
      pastRounds: rounds.filter((r) => r.status === 'closed').map((r) => roundView(r, organisation.id)),
      canManageRounds: can(membership, 'manage_rounds'),
    });
  });

  // ── Teams: a tree, renamed, moved and archived (never deleted) ─────────────────────────────────

  const renderTeams = async (
    reply: FastifyReply,
    context: OrganisationContext,
    state: { values?: Record<string, unknown>; errors?: FormErrors; editing?: string } = {},
  ) => {
    const teams = await teamsOf(app.db, context.organisation.id);
    const rows = teamRows(teams, { includeArchived: true });
    return orgPage(reply, context, 'teams', 'teams', {
      title: `Teams · ${context.organisation.name}`,
      teams: rows.map((r) => ({
        ...r,
        action: `${context.base}/teams/${r.id}`,
        parents: [
          { value: '', label: '(top level)', selected: r.parentId === null },
          ...teamOptions(teams, r.parentId).filter((o) => o.value !== r.id),
        ],
        values: state.editing === r.id ? state.values : undefined,
        errors: state.editing === r.id ? state.errors : undefined,
      })),
      parentOptions: [{ value: '', label: '(top level)', selected: !state.values?.parent }, ...teamOptions(teams, String(state.values?.parent ?? ''))],
      values: state.editing ? {} : (state.values ?? {}),
      errors: state.editing ? {} : (state.errors ?? {}),
      errorList: errorList(state.errors ?? {}),
    });
  };

  app.get('/organisations/:organisationId/teams', async (request, reply) => {
    const context = await organisationFor(app, request);
    requireCapability(context, 'manage_teams');
    return renderTeams(reply, context);
  });

  app.post('/organisations/:organisationId/teams', async (request, reply) => {
    const context = await organisationFor(app, request);
    requireCapability(context, 'manage_teams');
    const body = (request.body ?? {}) as Record<string, unknown>;
    const parsed = teamForm.safeParse(body);
    const teams = await teamsOf(app.db, context.organisation.id);
    if (!parsed.success) return renderTeams(reply.status(422), context, { values: body, errors: errorsOf(parsed.error) });
    if (parsed.data.parent !== null && !teams.has(parsed.data.parent)) {
      return renderTeams(reply.status(422), context, { values: body, errors: { parent: 'Choose a team from the list.' } });
    }
    await createTeam(app.db, context.organisation.id, { name: parsed.data.name, parentId: parsed.data.parent });
    return reply.redirect(`${context.base}/teams`, 303);
  });

  app.post('/organisations/:organisationId/teams/:teamId', async (request, reply) => {
    const context = await organisationFor(app, request);
    requireCapability(context, 'manage_teams');
    const teamId = uuidParam(request, 'teamId');
    const teams = await teamsOf(app.db, context.organisation.id);
    if (!teams.has(teamId)) throw notFound('This team');
    const body = (request.body ?? {}) as Record<string, unknown>;
    const parsed = teamForm.safeParse(body);
    if (!parsed.success) return renderTeams(reply.status(422), context, { values: body, errors: errorsOf(parsed.error), editing: teamId });
    const { parent } = parsed.data;
    if (parent !== null && !teams.has(parent)) {
      return renderTeams(reply.status(422), context, { values: body, errors: { parent: 'Choose a team from the list.' }, editing: teamId });
    }
    if (wouldCycle(teams, teamId, parent)) {
      return renderTeams(reply.status(422), context, {
        values: body,
        errors: { parent: 'A team cannot sit under itself or one of its own teams.' },
        editing: teamId,
      });
    }
    await updateTeam(app.db, context.organisation.id, teamId, { name: parsed.data.name, parentId: parent, archived: parsed.data.archived });
    return reply.redirect(`${context.base}/teams#team-${teamId}`, 303);
  });

  // ── Members, roles and invitation links ────────────────────────────────────────────────────────

  const renderMembers = async (
    reply: FastifyReply,
    context: OrganisationContext,
    state: { values?: Record<string, unknown>; errors?: FormErrors; newLink?: string } = {},
  ) => {
    const { organisation, membership } = context;
    const [members, invitations, teams] = await Promise.all([
      listMembers(app.db, organisation.id),
      pendingInvitations(app.db, organisation.id),
      teamsOf(app.db, organisation.id),
    ]);
    const branchLabel = (id: string | null) => (id === null ? 'Whole organisation' : teamPathLabel(teams, id));
    const assignable = organisationRoles.filter((r) => canAssignRole(membership, r));
    return orgPage(reply, context, 'members', 'members', {
      title: `Members · ${organisation.name}`,
      members: members.map((m) => ({
        ...m,
        roleLabel: organisationRoleLabels[m.role],
        branchLabel: branchLabel(m.branchTeamId),
        self: m.userId === context.user.id,
        editable: m.userId !== context.user.id && canAssignRole(membership, m.role, m.role),
        action: `${context.base}/members/${m.userId}`,
        roles: assignable.map((r) => ({ value: r, label: organisationRoleLabels[r], selected: r === m.role })),
        branches: [{ value: '', label: 'Whole organisation', selected: m.branchTeamId === null }, ...teamOptions(teams, m.branchTeamId)],
      })),
      invitations: invitations.map((i) => ({
        ...i,
        roleLabel: organisationRoleLabels[i.role],
        branchLabel: branchLabel(i.branchTeamId),
        expiresOn: i.expiresAt.toISOString().slice(0, 10),
        revokePath: `${context.base}/invitations/${i.id}/revoke`,
      })),
      roleOptions: assignable
        .filter((r) => r !== 'owner')
        .map((r) => ({ value: r, label: organisationRoleLabels[r], meaning: organisationRoleMeanings[r], checked: r === (state.values?.role ?? 'viewer') })),
      branchOptions: [{ value: '', label: 'Whole organisation', selected: !state.values?.branch }, ...teamOptions(teams, String(state.values?.branch ?? ''))],
      newLink: state.newLink,
      invitationDays,
      values: state.values ?? {},
      errors: state.errors ?? {},
      errorList: errorList(state.errors ?? {}),
    });
  };

  app.get('/organisations/:organisationId/members', async (request, reply) => {
    const context = await organisationFor(app, request);
    requireCapability(context, 'manage_members');
    return renderMembers(reply, context);
  });

  app.post('/organisations/:organisationId/invitations', async (request, reply) => {
    const context = await organisationFor(app, request);
    requireCapability(context, 'manage_members');
    const body = (request.body ?? {}) as Record<string, unknown>;
    const parsed = invitationForm.safeParse(body);
    const teams = await teamsOf(app.db, context.organisation.id);
    if (!parsed.success) return renderMembers(reply.status(422), context, { values: body, errors: errorsOf(parsed.error) });
    const { role, branch } = parsed.data;
    if (!canAssignRole(context.membership, role)) throw forbidden();
    if (branch !== null && !teams.has(branch)) {
      return renderMembers(reply.status(422), context, { values: body, errors: { branch: 'Choose a team from the list.' } });
    }
    if (role === 'member' && branch === null) {
      return renderMembers(reply.status(422), context, { values: body, errors: { branch: 'Choose the team this member belongs to.' } });
    }
    const token = newPrivateToken();
    await createInvitation(app.db, context.organisation.id, {
      tokenHash: hashPrivateToken(token),
      role,
      branchTeamId: role === 'admin' ? null : branch,
      createdBy: context.user.id,
      expiresAt: new Date(Date.now() + invitationDays * 86_400_000),
    });
    await recordAudit(app.db, context.organisation.id, context.user, 'invitation_created', { role, branchTeamId: branch });
    // The link is shown once, now: only its hash is stored.
    return renderMembers(reply.status(201), context, {
      newLink: `${publicBase(request)}/invitations/${context.organisation.id}/${token}`,
    });
  });

  app.post('/organisations/:organisationId/invitations/:invitationId/revoke', async (request, reply) => {
    const context = await organisationFor(app, request);
    requireCapability(context, 'manage_members');
    const invitationId = uuidParam(request, 'invitationId');
    if (await revokeInvitation(app.db, context.organisation.id, invitationId)) {
      await recordAudit(app.db, context.organisation.id, context.user, 'invitation_revoked', { invitationId });
    }
    return reply.redirect(`${context.base}/members`, 303);
  });

  app.post('/organisations/:organisationId/members/:userId', async (request, reply) => {
    const context = await organisationFor(app, request);
    requireCapability(context, 'manage_members');
    const userId = uuidParam(request, 'userId');
    const members = await listMembers(app.db, context.organisation.id);
    const target = members.find((m) => m.userId === userId);
    if (!target) throw notFound('This member');
    const body = (request.body ?? {}) as Record<string, unknown>;
    const teams = await teamsOf(app.db, context.organisation.id);
    const remove = body.intent === 'remove';
    if (!canAssignRole(context.membership, remove ? target.role : (memberForm.safeParse(body).data?.role ?? target.role), target.role)) throw forbidden();
    if (target.role === 'owner' && (await countOwners(app.db, context.organisation.id)) <= 1) {
      throw new HttpError(409, 'last_owner', 'An organisation keeps at least one owner: make someone else owner first.');
    }
    if (remove) {
      await removeMember(app.db, context.organisation.id, userId);
      await recordAudit(app.db, context.organisation.id, context.user, 'member_removed', { member: target.displayName, role: target.role });
      return reply.redirect(`${context.base}/members`, 303);
    }
    const parsed = memberForm.safeParse(body);
    if (!parsed.success) return renderMembers(reply.status(422), context, { errors: errorsOf(parsed.error) });
    const { role, branch } = parsed.data;
    if (branch !== null && !teams.has(branch)) return renderMembers(reply.status(422), context, { errors: { branch: 'Choose a team from the list.' } });
    if (role === 'member' && branch === null) {
      return renderMembers(reply.status(422), context, { errors: { branch: 'Choose the team this member belongs to.' } });
    }
    const newBranch = role === 'owner' || role === 'admin' ? null : branch;
    await setMembership(app.db, context.organisation.id, userId, role, newBranch);
    if (role !== target.role || newBranch !== target.branchTeamId) {
      await recordAudit(app.db, context.organisation.id, context.user, 'role_changed', {
        member: target.displayName,
        from: target.role,
        to: role,
        branchTeamId: newBranch,
      });
    }
    return reply.redirect(`${context.base}/members`, 303);
  });

  // ── Settings (owner) ───────────────────────────────────────────────────────────────────────────

  const renderSettings = async (reply: FastifyReply, context: OrganisationContext, values: Record<string, unknown>, errors: FormErrors = {}, saved = false) =>
    orgPage(reply, context, 'settings', 'settings', {
      teamOptions: teamOptions(await teamsOf(app.db, context.organisation.id)),
      title: `Settings · ${context.organisation.name}`,
      values,
      errors,
      errorList: errorList(errors),
      absoluteMinimum,
      defaultMinimum,
      saved,
    });

  app.get('/organisations/:organisationId/settings', async (request, reply) => {
    const context = await organisationFor(app, request);
    requireCapability(context, 'manage_settings');
    const query = request.query as Record<string, unknown>;
    const deleted = typeof query.deleted === 'string' && /^\d+$/.test(query.deleted) ? Number(query.deleted) : undefined;
    return renderSettings(
      reply,
      context,
      { name: context.organisation.name, minimum: String(context.organisation.anonymityMinimum), deleted },
      {},
      query.saved === '1',
    );
  });

  app.post('/organisations/:organisationId/settings', async (request, reply) => {
    const context = await organisationFor(app, request);
    requireCapability(context, 'manage_settings');
    const body = (request.body ?? {}) as Record<string, unknown>;
    const parsed = settingsForm.safeParse(body);
    if (!parsed.success) return renderSettings(reply.status(422), context, body, errorsOf(parsed.error));
    await updateOrganisationSettings(app.db, context.organisation.id, { name: parsed.data.name, anonymityMinimum: parsed.data.minimum });
    await recordAudit(app.db, context.organisation.id, context.user, 'settings_changed', { anonymityMinimum: parsed.data.minimum });
    return reply.redirect(`${context.base}/settings?saved=1`, 303);
  });

  // ── Audit log ─────────────────────────────────────────────────────────────────────────────────

  app.get('/organisations/:organisationId/audit', async (request, reply) => {
    const context = await organisationFor(app, request);
    requireCapability(context, 'read_audit_log');
    return orgPage(reply, context, 'audit', 'audit', {
      title: `Audit log · ${context.organisation.name}`,
      entries: auditRows(await auditLog(app.db, context.organisation.id)),
    });
  });

  // ── Rounds ────────────────────────────────────────────────────────────────────────────────────

  const renderNewRound = async (reply: FastifyReply, context: OrganisationContext, values: Record<string, unknown>, errors: FormErrors = {}) => {
    const teams = await teamsOf(app.db, context.organisation.id);
    const chosen = new Set(([] as unknown[]).concat(values.teams ?? []).map(String));
    return orgPage(reply, context, 'rounds', 'round-new', {
      title: `New round · ${context.organisation.name}`,
      values,
      errors,
      errorList: errorList(errors),
      assessments: app.assessments.list().map((d) => ({
        value: `${d.id}@${d.version}`,
        label: `${d.title} (version ${d.version})`,
        selected: values.assessment === `${d.id}@${d.version}`,
      })),
      teams: teamRows(teams).map((r) => ({
        ...r,
        checked: chosen.has(r.id),
        headcount: String(values[`headcount-${r.id}`] ?? ''),
        headcountError: errors[`headcount-${r.id}`],
      })),
      minimum: context.organisation.anonymityMinimum,
    });
  };

  app.get('/organisations/:organisationId/rounds/new', async (request, reply) => {
    const context = await organisationFor(app, request);
    requireCapability(context, 'manage_rounds');
    const latest = app.assessments.latest()[0]!;
    return renderNewRound(reply, context, { assessment: `${latest.id}@${latest.version}`, label: quarterOf(new Date()) });
  });

  app.post('/organisations/:organisationId/rounds', async (request, reply) => {
    const context = await organisationFor(app, request);
    requireCapability(context, 'manage_rounds');
    const { organisation } = context;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const parsed = roundForm.safeParse(body);
    const errors: FormErrors = parsed.success ? {} : errorsOf(parsed.error);
    const [assessmentId, version] = parsed.success ? parsed.data.assessment.split('@') : [];
    const definition = assessmentId ? app.assessments.get(assessmentId, Number(version)) : undefined;
    if (parsed.success && !definition) errors.assessment = 'Choose an assessment.';
    const teams = await teamsOf(app.db, organisation.id);
    const chosen = [...new Set(([] as unknown[]).concat(body.teams ?? []).map(String))];
    if (chosen.length === 0) errors.teams = 'Choose at least one team.';
    const headcounts = new Map<string, number>();
    for (const id of chosen) {
      const team = teams.get(id);
      if (!team || team.archived) {
        errors.teams = 'Choose teams from the list.';
        continue;
      }
      const headcount = z.coerce.number().int().min(1).max(100000).safeParse(body[`headcount-${id}`]);
      if (!headcount.success || String(body[`headcount-${id}`] ?? '').trim() === '') {
        errors[`headcount-${id}`] = `Say how many people ${team.name} has (a whole number from 1).`;
      } else headcounts.set(id, headcount.data);
    }
    if (Object.keys(errors).length > 0 || !parsed.success || !definition) return renderNewRound(reply.status(422), context, body, errors);
    const roundId = randomUUID();
    const links = new Map<string, Buffer>();
    for (const teamId of chosen) links.set(teamId, hashPrivateToken(await teamLinkToken(app, organisation.id, roundId, teamId)));
    const round = await openRound(app.db, organisation.id, {
      id: roundId,
      label: parsed.data.label,
      assessmentId: definition.id,
      assessmentVersion: definition.version,
      anonymityMinimum: organisation.anonymityMinimum,
      teams: chosen.map((teamId) => ({
        teamId,
        headcount: headcounts.get(teamId)!,
        teamPath: teamPath(teams, teamId),
        teamPathLabel: teamPathLabel(teams, teamId),
        linkTokenHash: links.get(teamId)!,
      })),
    });
    if (!round) return renderNewRound(reply.status(422), context, body, { label: 'This organisation already has a round with that label.' });
    await recordAudit(app.db, organisation.id, context.user, 'round_opened', { roundId: round.id, label: round.label, teams: chosen.length });
    return reply.redirect(`${context.base}/rounds/${round.id}`, 303);
  });

  app.get('/organisations/:organisationId/rounds/:roundId', async (request, reply) => {
    const context = await organisationFor(app, request);
    const { organisation, membership } = context;
    const round = await findRound(app.db, organisation.id, uuidParam(request, 'roundId'));
    if (!round) throw notFound('This round');
    if (!can(membership, 'see_participation')) throw forbidden();
    const [teams, answering, workshops] = await Promise.all([
      roundTeams(app.db, organisation.id, round.id),
      participationByTeam(app.db, organisation.id, round.id),
      workshopsOfRound(app.db, organisation.id, round.id),
    ]);
    const visible = teams.filter((t) => canReadTeam(membership, t.teamPath));
    const manage = can(membership, 'manage_rounds');
    const rows = [];
    for (const row of participationRows(visible, answering)) {
      const team = visible.find((t) => t.teamId === row.teamId)!;
      const mayRunWorkshop = manage || (membership.role === 'coach' && canReadTeam(membership, team.teamPath));
      rows.push({
        ...row,
        link: manage && round.status === 'open' ? `${publicBase(request)}${teamLinkPath(organisation.id, await teamLinkToken(app, organisation.id, round.id, row.teamId))}` : undefined,
        workshopAction: mayRunWorkshop && round.status === 'open' ? `${context.base}/rounds/${round.id}/teams/${row.teamId}/workshops` : undefined,
        workshops: workshops
          .filter((w) => w.teamId === row.teamId)
          .map((w) => ({ title: w.title, code: displayJoinCode(w.joinCode), path: w.ownerId === context.user.id ? `/coach/workshops/${w.id}` : undefined })),
      });
    }
    return orgPage(reply, context, 'home', 'round', {
      title: `Round ${round.label} · ${organisation.name}`,
      round: {
        ...roundView(round, organisation.id),
        assessmentTitle: app.assessments.get(round.assessmentId, round.assessmentVersion)?.title ?? round.assessmentId,
      },
      teams: rows,
      canClose: manage && round.status === 'open',
      exports:
        can(membership, 'export') && round.status === 'closed'
          ? ['results.csv', 'results.json', 'answers.csv', 'answers.json'].map((file) => ({ file, href: `${context.base}/rounds/${round.id}/export/${file}` }))
          : undefined,
      closePath: `${context.base}/rounds/${round.id}/close`,
    });
  });

  app.post('/organisations/:organisationId/rounds/:roundId/close', async (request, reply) => {
    const context = await organisationFor(app, request);
    requireCapability(context, 'manage_rounds');
    const { organisation } = context;
    const round = await findRound(app.db, organisation.id, uuidParam(request, 'roundId'));
    if (!round) throw notFound('This round');
    const definition = app.assessments.get(round.assessmentId, round.assessmentVersion);
    if (!definition) throw notFound('This round');
    const teams = await teamsOf(app.db, organisation.id);
    const names = new Map([...teams.values()].map((t) => [t.id, t.name]));
    let computed = 0;
    const closed = await closeRound(app.db, organisation.id, round.id, (input) => {
      const rows = roundResults(definition, names, input, round.anonymityMinimum);
      computed = rows.length;
      return rows;
    });
    if (closed) await recordAudit(app.db, organisation.id, context.user, 'round_closed', { roundId: round.id, label: round.label, teams: computed });
    return reply.redirect(`${context.base}/rounds/${round.id}`, 303);
  });

  /** A coach (for a team in their branch) or an admin starts a workshop as the team's answer channel. */
  app.post('/organisations/:organisationId/rounds/:roundId/teams/:teamId/workshops', async (request, reply) => {
    const context = await organisationFor(app, request);
    const { organisation, membership } = context;
    const round = await findRound(app.db, organisation.id, uuidParam(request, 'roundId'));
    if (!round) throw notFound('This round');
    const roundTeam = await findRoundTeam(app.db, organisation.id, round.id, uuidParam(request, 'teamId'));
    if (!roundTeam) throw notFound('This team');
    const allowed = can(membership, 'manage_rounds') || (membership.role === 'coach' && canReadTeam(membership, roundTeam.teamPath));
    if (!allowed) throw forbidden();
    if (round.status !== 'open') throw new HttpError(409, 'round_closed', 'This round has closed: no new workshops can join it.');
    const teams = await teamsOf(app.db, organisation.id);
    for (let attempt = 0; attempt < 5; attempt++) {
      const workshop = await createWorkshop(app.db, {
        ownerId: context.user.id,
        title: `${teams.get(roundTeam.teamId)?.name ?? 'Team'}, ${round.label}`.slice(0, 200),
        assessmentId: round.assessmentId,
        assessmentVersion: round.assessmentVersion,
        roles: ['leader', 'team_member'],
        anonymityMinimum: round.anonymityMinimum,
        expectedParticipants: roundTeam.headcount,
        joinCode: newJoinCode(),
      });
      if (workshop) {
        await linkWorkshopToRound(app.db, workshop.id, { organisationId: organisation.id, roundId: round.id, teamId: roundTeam.teamId });
        return reply.redirect(`/coach/workshops/${workshop.id}`, 303);
      }
    }
    throw new Error('could not draw a free join code in 5 attempts');
  });
}

export type { OrganisationRole };
