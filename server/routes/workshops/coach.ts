import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { z } from 'zod';
import {
  actionsIn,
  addAction,
  clearConsensus,
  consensusIn,
  createWorkshop,
  deleteAction,
  findWorkshopOf,
  listWorkshopsOf,
  markExported,
  publishAnswers,
  publishedGroupIn,
  publishedRowsIn,
  saveConsensus,
  setResultsRevealed,
  setWorkshopStatus,
  type WorkshopRecord,
} from '../../data/workshops.js';
import {
  absoluteMinimum,
  defaultMinimum,
  exportPermission,
  publishable,
  reopenPermission,
  roleComparisonVisibility,
} from '../../domain/anonymity.js';
import { dueQuarterProblem } from '../../domain/quarters.js';
import { isOnScale } from '../../domain/answers.js';
import { allCheckpoints } from '../../domain/definition.js';
import { toCsv } from '../../domain/csv.js';
import { HttpError, notFound } from '../../http-errors.js';
import { displayJoinCode, newJoinCode, newParticipantCode } from '../../join-codes.js';
import { parseChoice } from '../self-assessment/answer-form.js';
import { exportRowsView } from '../../views/workshop-export.js';
import { livePartials, presenterView, roomView, sectionKeys, type RoomInput, type RoomSection } from '../../views/facilitator-view.js';
import { definitionOf, loadGroup } from './group.js';
import { roleLabels } from './join.js';

const idParams = z.object({ id: z.uuid() });
const basisQuery = z.object({ basis: z.enum(['votes', 'agreed']).catch('votes') });

/** Text as stored: browser line breaks as "\n", no NUL characters (PostgreSQL cannot store them). */
const cleanText = (max: number, tooLong: string) =>
  z.string().transform((v) => v.replace(/\r\n?/g, '\n').replaceAll('\u0000', '').trim()).pipe(z.string().max(max, tooLong));

const newWorkshopForm = z.object({
  title: cleanText(200, 'Keep the title under 200 characters.').pipe(z.string().min(1, 'Give the workshop a title.')),
  assessment: z.string().regex(/^[a-z0-9.-]+@\d+$/, 'Choose an assessment.'),
  roles: z.preprocess(
    (r) => (r === undefined ? [] : Array.isArray(r) ? r : [r]),
    z.array(z.enum(['leader', 'team_member'], { error: 'Offer leaders, team members or both.' })).min(1, 'Offer at least one role.'),
  ),
  minimum: z.coerce
    .number({ error: 'Enter a whole number.' })
    .int('Enter a whole number.')
    .min(absoluteMinimum, `The minimum is never below ${absoluteMinimum}.`)
    .max(50, 'Keep the minimum at 50 or below.'),
  expected: z
    .string()
    .default('')
    .transform((v) => v.trim())
    .transform((v) => (v === '' ? null : Number(v)))
    .pipe(z.number({ error: 'Enter a whole number, or leave it empty.' }).int('Enter a whole number, or leave it empty.').positive('Enter a number above 0.').max(5000).nullable()),
  leadersOnRecord: z.preprocess((v) => v === 'yes', z.boolean()),
});

const consensusForm = z.object({
  answer: z.string({ error: 'Choose one of the options listed.' }),
  dissent: cleanText(2000, 'Keep the dissent note under 2,000 characters.').default(''),
});

const actionForm = z.object({
  checkpoint: z.string().min(1, 'Choose the checkpoint this action works on.'),
  title: cleanText(300, 'Keep it under 300 characters.').pipe(z.string().min(1, 'Say what will be done.')),
  owner: cleanText(120, 'Keep the name under 120 characters.').pipe(z.string().min(1, 'Name who owns it.')),
  due: z.string().default(''),
  // A retried post carries the same key; anything odd is simply not used for de-duplication.
  key: z.string().max(64).optional().catch(undefined),
});

type FormErrors = Record<string, string>;
const errorsOf = (error: z.ZodError): FormErrors =>
  Object.fromEntries(error.issues.map((i) => [String(i.path[0] ?? 'form'), i.message]));

const coachPage = (reply: FastifyReply) => reply.header('cache-control', 'no-store');

export default async function coachRoutes(app: FastifyInstance) {
  const publicBase = (request: FastifyRequest) => app.config.publicUrl ?? `${request.protocol}://${request.host}`;

  /** The workshop in the URL, if this coach runs it; anyone else gets the same 404 as a missing one. */
  async function ownWorkshop(request: FastifyRequest): Promise<WorkshopRecord> {
    const params = idParams.safeParse(request.params);
    if (!params.success) throw notFound();
    const workshop = await findWorkshopOf(app.db, params.data.id, request.user!.id);
    if (!workshop) throw notFound();
    return workshop;
  }

  const back = (workshop: WorkshopRecord, anchor = '') => `/coach/workshops/${workshop.id}${anchor}`;

  const joinUrlOf = (request: FastifyRequest, workshop: WorkshopRecord) => `${publicBase(request)}/j/${workshop.joinCode}`;

  async function renderRoom(
    request: FastifyRequest,
    reply: FastifyReply,
    workshop: WorkshopRecord,
    section: RoomSection,
    states: Pick<RoomInput, 'actionState' | 'agreeState' | 'agreedId'> = {},
  ) {
    const { basis } = basisQuery.parse(request.query ?? {});
    const [{ definition, group }, actions] = await Promise.all([loadGroup(app, workshop, basis), actionsIn(app.db, workshop.id)]);
    const view = roomView({
      section,
      workshop,
      joinUrl: joinUrlOf(request, workshop),
      definition,
      group,
      basis,
      actions,
      now: new Date(),
      reopen: reopenPermission({ exported: workshop.exportedAt !== null }),
      exportPermission: exportPermission({ status: workshop.status, counted: group.participation.counted, minimum: workshop.anonymityMinimum }),
      actionKey: crypto.randomUUID(),
      ...states,
    });
    return coachPage(reply).page('workshops/facilitator', view);
  }

  // Every route here is a coach's: signed in, and (for a workshop) its owner.
  app.addHook('preHandler', app.requireCoach);

  app.get('/coach', async (request, reply) => {
    const workshops = await listWorkshopsOf(app.db, request.user!.id);
    return coachPage(reply).page('workshops/coach-home', {
      title: 'Your workshops',
      workshops: workshops.map((w) => ({
        ...w,
        code: displayJoinCode(w.joinCode),
        path: back(w),
        assessmentTitle: app.assessments.get(w.assessmentId, w.assessmentVersion)?.title ?? w.assessmentId,
        createdOn: w.createdAt.toISOString().slice(0, 10),
      })),
    });
  });

  const renderNew = (reply: FastifyReply, values: Record<string, unknown>, errors: FormErrors = {}) =>
    coachPage(reply).page('workshops/new', {
      title: 'New workshop',
      values,
      errors,
      errorList: Object.entries(errors).map(([field, message]) => ({ field, message })),
      assessments: app.assessments.list().map((d) => ({
        value: `${d.id}@${d.version}`,
        label: `${d.title} (version ${d.version})`,
        selected: values.assessment === `${d.id}@${d.version}`,
      })),
      roleOptions: (['leader', 'team_member'] as const).map((r) => ({
        value: r,
        label: roleLabels[r],
        checked: ([] as unknown[]).concat(values.roles ?? []).includes(r),
      })),
      absoluteMinimum,
    });

  app.get('/coach/workshops/new', async (_request, reply) =>
    renderNew(reply, {
      assessment: `${app.assessments.latest()[0]!.id}@${app.assessments.latest()[0]!.version}`,
      roles: ['leader', 'team_member'],
      minimum: String(defaultMinimum),
    }),
  );

  app.post('/coach/workshops', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const parsed = newWorkshopForm.safeParse(body);
    const [assessmentId, version] = parsed.success ? parsed.data.assessment.split('@') : [];
    const definition = assessmentId ? app.assessments.get(assessmentId, Number(version)) : undefined;
    if (!parsed.success || !definition) {
      const errors = parsed.success ? { assessment: 'Choose an assessment.' } : errorsOf(parsed.error);
      return renderNew(reply.status(422), body, errors);
    }
    for (let attempt = 0; attempt < 5; attempt++) {
      const workshop = await createWorkshop(app.db, {
        ownerId: request.user!.id,
        title: parsed.data.title,
        assessmentId: definition.id,
        assessmentVersion: definition.version,
        roles: parsed.data.roles,
        anonymityMinimum: parsed.data.minimum,
        expectedParticipants: parsed.data.expected,
        leadersOnRecord: parsed.data.leadersOnRecord && parsed.data.roles.includes('leader'),
        joinCode: newJoinCode(),
      });
      if (workshop) return reply.redirect(back(workshop), 303);
    }
    throw new Error('could not draw a free join code in 5 attempts');
  });

  app.get('/coach/workshops/:id', async (request, reply) => renderRoom(request, reply, await ownWorkshop(request), 'join'));

  // Each section of the room is a page of its own (static routes such as /live and /report win over this one).
  app.get('/coach/workshops/:id/:section', async (request, reply) => {
    const section = z.object({ section: z.enum(sectionKeys) }).safeParse(request.params);
    if (!section.success) throw notFound();
    const workshop = await ownWorkshop(request);
    const query = z.object({ agreed: z.string().max(100).optional(), checkpoint: z.string().max(100).optional() }).catch({}).parse(request.query ?? {});
    return renderRoom(request, reply, workshop, section.data.section, {
      agreedId: query.agreed,
      actionState: query.checkpoint ? { values: { checkpoint: query.checkpoint } } : undefined,
    });
  });

  // The live part of a section, polled by htmx: every process reads the same database.
  app.get('/coach/workshops/:id/live', async (request, reply) => {
    const workshop = await ownWorkshop(request);
    const { basis } = basisQuery.parse(request.query ?? {});
    const { section } = z.object({ section: z.enum(['join', 'results', 'discussion']).catch('results') }).parse(request.query ?? {});
    const { definition, group } = await loadGroup(app, workshop, basis);
    return coachPage(reply)
      .header('vary', 'HX-Request')
      .fragment(livePartials[section]!, { group, basis, assessment: definition, workshop: { path: back(workshop) } });
  });

  app.get('/coach/workshops/:id/presenter', async (request, reply) => {
    const workshop = await ownWorkshop(request);
    const { item } = z.object({ item: z.coerce.number().int().min(1).max(100).optional() }).catch({ item: undefined }).parse(request.query ?? {});
    const { group } = await loadGroup(app, workshop, 'votes');
    return coachPage(reply).page('workshops/presenter', presenterView({ workshop, joinUrl: joinUrlOf(request, workshop), group, item }));
  });

  app.get('/coach/workshops/:id/qr.svg', async (request, reply) => {
    const workshop = await ownWorkshop(request);
    const svg = await QRCode.toString(`${publicBase(request)}/j/${workshop.joinCode}`, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
    return coachPage(reply).type('image/svg+xml').send(svg);
  });

  app.post('/coach/workshops/:id/status', async (request, reply) => {
    const workshop = await ownWorkshop(request);
    const { status } = z.object({ status: z.enum(['open', 'closed']) }).parse(request.body);
    const reopen = reopenPermission({ exported: workshop.exportedAt !== null });
    if (status === 'open' && !reopen.allowed) throw new HttpError(409, 'stays_closed', reopen.reason);
    await setWorkshopStatus(app.db, workshop.id, status);
    // Closing publishes what the anonymity rules allow, so the report and exports start from it.
    if (status === 'closed') await publishAnswers(app.db, workshop.id, (p) => publishable(p, workshop.anonymityMinimum));
    return reply.redirect(back(workshop), 303);
  });

  app.post('/coach/workshops/:id/reveal', async (request, reply) => {
    const workshop = await ownWorkshop(request);
    const { revealed } = z.object({ revealed: z.enum(['true', 'false']) }).parse(request.body);
    await setResultsRevealed(app.db, workshop.id, revealed === 'true');
    return reply.redirect(back(workshop), 303);
  });

  app.post('/coach/workshops/:id/consensus/:checkpointId', async (request, reply) => {
    const workshop = await ownWorkshop(request);
    const definition = definitionOf(app, workshop);
    const { checkpointId } = z.object({ checkpointId: z.string() }).parse(request.params);
    if (!allCheckpoints(definition).some((c) => c.id === checkpointId)) throw notFound();
    const body = (request.body ?? {}) as Record<string, unknown>;
    const parsed = consensusForm.safeParse(body);
    const choice = parsed.success && parsed.data.answer !== '' ? parseChoice(parsed.data.answer) : undefined;
    const badAnswer = parsed.success && parsed.data.answer !== '' && (!choice || !isOnScale(choice, definition.scale));
    if (!parsed.success || badAnswer) {
      const text = (v: unknown) => (typeof v === 'string' ? v : '');
      const error = parsed.success ? 'Choose one of the options listed.' : parsed.error.issues[0]!.message;
      return renderRoom(request, reply.status(422), workshop, 'agreement', {
        agreeState: { checkpointId, answer: text(body.answer), dissent: text(body.dissent), error },
      });
    }
    const form = parsed.data;
    if (form.answer === '') {
      await clearConsensus(app.db, workshop.id, checkpointId);
    } else {
      await saveConsensus(app.db, workshop.id, { checkpointId, answer: choice!, dissentNote: form.dissent === '' ? null : form.dissent });
    }
    return reply.redirect(back(workshop, `/agreement?agreed=${encodeURIComponent(checkpointId)}#agree-${checkpointId}`), 303);
  });

  app.post('/coach/workshops/:id/actions', async (request, reply) => {
    const workshop = await ownWorkshop(request);
    const definition = definitionOf(app, workshop);
    const body = (request.body ?? {}) as Record<string, string>;
    const parsed = actionForm.safeParse(body);
    const known = parsed.success && allCheckpoints(definition).some((c) => c.id === parsed.data.checkpoint);
    const dueProblem = dueQuarterProblem(parsed.success ? parsed.data.due : String(body.due ?? ''), new Date());
    if (!parsed.success || !known || dueProblem) {
      const errors: FormErrors = { ...(parsed.success ? {} : errorsOf(parsed.error)) };
      if (parsed.success && !known) errors.checkpoint = 'Choose the checkpoint this action works on.';
      if (dueProblem) errors.due = dueProblem;
      return renderRoom(request, reply.status(422), workshop, 'actions', { actionState: { values: body, errors } });
    }
    await addAction(app.db, workshop.id, {
      checkpointId: parsed.data.checkpoint,
      title: parsed.data.title,
      ownerName: parsed.data.owner,
      dueQuarter: parsed.data.due,
      requestKey: parsed.data.key ? `${workshop.id}:${parsed.data.key}` : null,
    });
    return reply.redirect(back(workshop, '/actions#actions'), 303);
  });

  app.post('/coach/workshops/:id/actions/:actionId/delete', async (request, reply) => {
    const workshop = await ownWorkshop(request);
    const { actionId } = z.object({ actionId: z.uuid() }).catch({ actionId: '' }).parse(request.params);
    if (actionId) await deleteAction(app.db, workshop.id, actionId);
    return reply.redirect(back(workshop, '/actions#actions'), 303);
  });

  app.get('/coach/workshops/:id/report', async (request, reply) => {
    const workshop = await ownWorkshop(request);
    const { basis } = basisQuery.parse(request.query ?? {});
    const { definition, group } = await loadGroup(app, workshop, basis);
    const actions = await actionsIn(app.db, workshop.id);
    const statementOf = new Map(allCheckpoints(definition).map((c) => [c.id, c.statement]));
    return coachPage(reply).page('workshops/report', {
      title: `Report: ${workshop.title}`,
      workshop: { ...workshop, code: displayJoinCode(workshop.joinCode), path: back(workshop) },
      assessment: definition,
      group,
      basis,
      results: group.results,
      actions: actions.map((a) => ({ ...a, statement: statementOf.get(a.checkpointId) ?? a.checkpointId })),
      generatedOn: new Date().toISOString().slice(0, 10),
    });
  });

  /**
   * One row per respondent and checkpoint, from the published answers of a closed
   * workshop (the anonymity module says when), under codes drawn for this export
   * only. The role column is empty unless the role breakdown is shown. Exporting
   * keeps the workshop closed for good.
   */
  async function exportRows(workshop: WorkshopRecord) {
    const definition = definitionOf(app, workshop);
    const minimum = workshop.anonymityMinimum;
    await publishAnswers(app.db, workshop.id, (p) => publishable(p, minimum));
    const published = await publishedGroupIn(app.db, workshop.id);
    const counted = published.respondents.leader + published.respondents.team_member;
    const permission = exportPermission({ status: workshop.status, counted, minimum });
    if (!permission.allowed) throw new HttpError(409, 'export_refused', permission.reason);
    const roles = roleComparisonVisibility({
      leadersOnRecord: workshop.leadersOnRecord,
      leaders: published.respondents.leader,
      team: published.respondents.team_member,
      minimum,
    });
    const rows = exportRowsView(definition, await publishedRowsIn(app.db, workshop.id), {
      minimum,
      rolesShown: roles.shown,
      newCode: newParticipantCode,
    });
    await markExported(app.db, workshop.id);
    return { definition, rows, rolesShown: roles.shown };
  }

  app.get('/coach/workshops/:id/export.csv', async (request, reply) => {
    const workshop = await ownWorkshop(request);
    const { definition, rows } = await exportRows(workshop);
    return coachPage(reply)
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="workshop-${workshop.joinCode}-answers.csv"`)
      .send(
        toCsv(
          ['assessment', 'version', 'participant', 'role', 'on_record', 'phase', 'part', 'level', 'checkpoint', 'statement', 'answer'],
          rows.map((r) => [
            definition.id,
            definition.version,
            r.participant,
            r.role ?? '',
            r.onRecord === null ? '' : r.onRecord ? 'yes' : 'no',
            r.phase,
            r.part,
            r.level ?? '',
            r.checkpoint,
            r.statement,
            r.answer,
          ]),
        ),
      );
  });

  app.get('/coach/workshops/:id/export.json', async (request, reply) => {
    const workshop = await ownWorkshop(request);
    const { definition, rows, rolesShown } = await exportRows(workshop);
    const [consensus, actions] = await Promise.all([consensusIn(app.db, workshop.id), actionsIn(app.db, workshop.id)]);
    return coachPage(reply)
      .header('content-disposition', `attachment; filename="workshop-${workshop.joinCode}-answers.json"`)
      .send({
        workshop: { title: workshop.title, assessment: { id: definition.id, version: definition.version } },
        rolesShown,
        answers: rows,
        agreed: consensus.map((c) => ({
          checkpoint: c.checkpointId,
          answer: c.answer.kind === 'rating' ? c.answer.value : c.answer.kind === 'dont_know' ? 'dontknow' : 'na',
          dissentNote: c.dissentNote,
        })),
        actions: actions.map((a) => ({ checkpoint: a.checkpointId, title: a.title, owner: a.ownerName, due: a.dueQuarter })),
      });
  });
}
