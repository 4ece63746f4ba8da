import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { z } from 'zod';
import {
  actionsIn,
  addAction,
  anonymousAnswersIn,
  clearConsensus,
  createWorkshop,
  deleteAction,
  findWorkshopOf,
  listWorkshopsOf,
  participationIn,
  saveConsensus,
  setResultsRevealed,
  setWorkshopStatus,
  type WorkshopRecord,
} from '../../data/workshops.js';
import { absoluteMinimum, defaultMinimum, roleBreakdownVisibility, visibility } from '../../domain/aggregation.js';
import { isOnScale } from '../../domain/answers.js';
import { allCheckpoints } from '../../domain/definition.js';
import { toCsv } from '../../domain/csv.js';
import { HttpError, notFound } from '../../http-errors.js';
import { displayJoinCode, newJoinCode } from '../../join-codes.js';
import { parseChoice } from '../self-assessment/answer-form.js';
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
});

const consensusForm = z.object({
  answer: z.string(),
  dissent: cleanText(2000, 'Keep the dissent note under 2,000 characters.').default(''),
});

const actionForm = z.object({
  checkpoint: z.string().min(1, 'Choose the checkpoint this action works on.'),
  title: cleanText(300, 'Keep it under 300 characters.').pipe(z.string().min(1, 'Say what will be done.')),
  owner: cleanText(120, 'Keep the name under 120 characters.').pipe(z.string().min(1, 'Name who owns it.')),
  due: z.string().regex(/^\d{4}-Q[1-4]$/, 'Choose the quarter it is due.'),
  // A retried post carries the same key; anything odd is simply not used for de-duplication.
  key: z.string().max(64).optional().catch(undefined),
});

type FormErrors = Record<string, string>;
const errorsOf = (error: z.ZodError): FormErrors =>
  Object.fromEntries(error.issues.map((i) => [String(i.path[0] ?? 'form'), i.message]));

/** This quarter and the next four, as "2026-Q4". */
function upcomingQuarters(now = new Date()): string[] {
  const quarters: string[] = [];
  let year = now.getUTCFullYear();
  let quarter = Math.floor(now.getUTCMonth() / 3) + 1;
  for (let i = 0; i < 5; i++) {
    quarters.push(`${year}-Q${quarter}`);
    quarter += 1;
    if (quarter > 4) {
      quarter = 1;
      year += 1;
    }
  }
  return quarters;
}

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

  async function renderFacilitator(
    request: FastifyRequest,
    reply: FastifyReply,
    workshop: WorkshopRecord,
    actionState: { values?: Record<string, string>; errors?: FormErrors } = {},
  ) {
    const { basis } = basisQuery.parse(request.query ?? {});
    const { definition, group } = await loadGroup(app, workshop, basis);
    const actions = await actionsIn(app.db, workshop.id);
    const checkpoints = allCheckpoints(definition);
    const statementOf = new Map(checkpoints.map((c) => [c.id, c.statement]));
    const constraintIds = new Set(group.results?.constraint?.weakest.map((w) => w.id) ?? []);
    const joinUrl = `${publicBase(request)}/j/${workshop.joinCode}`;
    return coachPage(reply).page('workshops/facilitator', {
      title: workshop.title,
      workshop: {
        ...workshop,
        code: displayJoinCode(workshop.joinCode),
        joinUrl,
        path: back(workshop),
        open: workshop.status === 'open',
        roles: workshop.roles.map((r) => roleLabels[r]),
      },
      assessment: definition,
      group,
      basis,
      charts: true,
      livePath: `${back(workshop)}/live?basis=${basis}`,
      consensusOptions: [
        ...definition.scale.points.map((p) => ({ value: String(p.value), label: `${p.value}: ${p.label}` })),
        { value: 'dontknow', label: definition.scale.dontKnow.label },
        { value: 'na', label: definition.scale.notApplicable.label },
      ],
      actionCheckpoints: [
        ...checkpoints.filter((c) => constraintIds.has(c.id)).map((c) => ({ id: c.id, statement: c.statement, constraint: true })),
        ...checkpoints.filter((c) => !constraintIds.has(c.id)).map((c) => ({ id: c.id, statement: c.statement, constraint: false })),
      ],
      actions: actions.map((a) => ({ ...a, statement: statementOf.get(a.checkpointId) ?? a.checkpointId })),
      quarters: upcomingQuarters(),
      actionValues: actionState.values ?? {},
      actionErrors: actionState.errors ?? {},
      actionKey: crypto.randomUUID(),
    });
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
        joinCode: newJoinCode(),
      });
      if (workshop) return reply.redirect(back(workshop), 303);
    }
    throw new Error('could not draw a free join code in 5 attempts');
  });

  app.get('/coach/workshops/:id', async (request, reply) => renderFacilitator(request, reply, await ownWorkshop(request)));

  // The live part of the facilitator view, polled by htmx: every process reads the same database.
  app.get('/coach/workshops/:id/live', async (request, reply) => {
    const workshop = await ownWorkshop(request);
    const { basis } = basisQuery.parse(request.query ?? {});
    const { definition, group } = await loadGroup(app, workshop, basis);
    return coachPage(reply)
      .header('vary', 'HX-Request')
      .fragment('workshops/live', { group, basis, assessment: definition, workshop: { path: back(workshop) } });
  });

  app.get('/coach/workshops/:id/qr.svg', async (request, reply) => {
    const workshop = await ownWorkshop(request);
    const svg = await QRCode.toString(`${publicBase(request)}/j/${workshop.joinCode}`, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
    return coachPage(reply).type('image/svg+xml').send(svg);
  });

  app.post('/coach/workshops/:id/status', async (request, reply) => {
    const workshop = await ownWorkshop(request);
    const { status } = z.object({ status: z.enum(['open', 'closed']) }).parse(request.body);
    await setWorkshopStatus(app.db, workshop.id, status);
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
    const form = consensusForm.parse(request.body);
    if (form.answer === '') {
      await clearConsensus(app.db, workshop.id, checkpointId);
    } else {
      const answer = parseChoice(form.answer);
      if (!answer || !isOnScale(answer, definition.scale)) {
        throw new HttpError(422, 'invalid_answer', 'Choose one of the options listed.', [{ field: 'answer', message: 'not on the scale' }]);
      }
      await saveConsensus(app.db, workshop.id, { checkpointId, answer, dissentNote: form.dissent === '' ? null : form.dissent });
    }
    return reply.redirect(back(workshop, `#agree-${checkpointId}`), 303);
  });

  app.post('/coach/workshops/:id/actions', async (request, reply) => {
    const workshop = await ownWorkshop(request);
    const definition = definitionOf(app, workshop);
    const body = (request.body ?? {}) as Record<string, string>;
    const parsed = actionForm.safeParse(body);
    const known = parsed.success && allCheckpoints(definition).some((c) => c.id === parsed.data.checkpoint);
    if (!parsed.success || !known) {
      const errors = parsed.success ? { checkpoint: 'Choose the checkpoint this action works on.' } : errorsOf(parsed.error);
      return renderFacilitator(request, reply.status(422), workshop, { values: body, errors });
    }
    await addAction(app.db, workshop.id, {
      checkpointId: parsed.data.checkpoint,
      title: parsed.data.title,
      ownerName: parsed.data.owner,
      dueQuarter: parsed.data.due,
      requestKey: parsed.data.key ? `${workshop.id}:${parsed.data.key}` : null,
    });
    return reply.redirect(back(workshop, '#actions'), 303);
  });

  app.post('/coach/workshops/:id/actions/:actionId/delete', async (request, reply) => {
    const workshop = await ownWorkshop(request);
    const { actionId } = z.object({ actionId: z.uuid() }).catch({ actionId: '' }).parse(request.params);
    if (actionId) await deleteAction(app.db, workshop.id, actionId);
    return reply.redirect(back(workshop, '#actions'), 303);
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
   * Anonymous answers: participant as a random code, role, checkpoint, value.
   * Refused below the workshop's minimum; the role column is left empty unless
   * every role reaches the minimum (or one role could be read off by difference).
   */
  async function exportRows(workshop: WorkshopRecord) {
    const definition = definitionOf(app, workshop);
    const participation = await participationIn(app.db, workshop.id, allCheckpoints(definition).length);
    const group = visibility(participation.answering, workshop.anonymityMinimum);
    if (!group.shown) {
      throw new HttpError(
        409,
        'below_threshold',
        `Export is available once ${group.minimum} people have answered (now ${group.n}), so nobody’s answers can be singled out.`,
      );
    }
    const roles = roleBreakdownVisibility(
      [participation.answeringByRole.leader, participation.answeringByRole.team_member].filter((_, i) =>
        workshop.roles.includes((['leader', 'team_member'] as const)[i]!),
      ),
      workshop.anonymityMinimum,
    );
    // A checkpoint fewer than the minimum answered is hidden in every view, so it is left out here too.
    const all = await anonymousAnswersIn(app.db, workshop.id);
    const answeredPer = new Map<string, number>();
    for (const r of all) answeredPer.set(r.checkpointId, (answeredPer.get(r.checkpointId) ?? 0) + 1);
    const rows = all.filter((r) => visibility(answeredPer.get(r.checkpointId)!, workshop.anonymityMinimum).shown);
    return {
      definition,
      rows: rows.map((r) => ({
        participant: r.participant,
        role: roles.shown ? r.role : null,
        checkpoint: r.checkpointId,
        answer: r.answer.kind === 'rating' ? r.answer.value : r.answer.kind === 'dont_know' ? 'dontknow' : 'na',
      })),
      rolesShown: roles.shown,
    };
  }

  app.get('/coach/workshops/:id/export.csv', async (request, reply) => {
    const workshop = await ownWorkshop(request);
    const { definition, rows } = await exportRows(workshop);
    return coachPage(reply)
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="workshop-${workshop.joinCode}-answers.csv"`)
      .send(
        toCsv(
          ['assessment', 'version', 'participant', 'role', 'checkpoint', 'answer'],
          rows.map((r) => [definition.id, definition.version, r.participant, r.role ?? '', r.checkpoint, r.answer]),
        ),
      );
  });

  app.get('/coach/workshops/:id/export.json', async (request, reply) => {
    const workshop = await ownWorkshop(request);
    const { definition, rows, rolesShown } = await exportRows(workshop);
    return coachPage(reply)
      .header('content-disposition', `attachment; filename="workshop-${workshop.joinCode}-answers.json"`)
      .send({
        workshop: { title: workshop.title, assessment: { id: definition.id, version: definition.version } },
        rolesShown,
        answers: rows,
      });
  });
}
