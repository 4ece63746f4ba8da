import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  createResponse,
  listAnswers,
  listEvidence,
  autosaveCheckpoint,
  saveAnswers,
  setLastStep,
} from '../../data/responses.js';
import { choiceOfAnswer, tallyAnswers, type Answer } from '../../domain/answers.js';
import { definitionKey, phaseCheckpoints, type Definition, type PlacedCheckpoint } from '../../domain/definition.js';
import { diagnose } from '../../domain/diagnostic.js';
import { responseCsv } from '../../domain/response-export.js';
import { notFound } from '../../http-errors.js';
import { hashPrivateToken, isWellFormedToken, newPrivateToken } from '../../private-links.js';
import { resultsView } from '../../views/diagnostic-view.js';
import { answerField, evidenceField, maxEvidenceLength, readAnswerForm, type AnswerForm } from './answer-form.js';
import { closedWorkshopNotice, isOpenForAnswers, respondentFor, workshopClosedMessage, type Respondent } from './respondent.js';

const tokenParams = z.object({ token: z.string() });
const phaseParams = tokenParams.extend({ phaseId: z.string() });
const checkpointParams = tokenParams.extend({ checkpointId: z.string() });
const startBody = z.object({ assessment: z.string().min(1), version: z.coerce.number().int().optional() });
const phaseIntent = z.object({ intent: z.enum(['previous', 'next', 'save', 'review']).catch('next') });

const base = (token: string) => `/r/${token}`;

/** The browser's revision of an autosave (static/js/autosave.js adds it); absent without JavaScript. */
const revisionField = z.object({ rev: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
function clientRevision(body: unknown): number | null {
  const parsed = revisionField.safeParse(body);
  return parsed.success ? parsed.data.rev : null;
}

/** Private pages: never stored by a browser or proxy. */
function privatePage(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-store').header('x-robots-tag', 'noindex');
}

function progressOf(definition: Definition, answers: ReadonlyMap<string, Answer>, token: string, currentStep: string) {
  return definition.phases.map((phase, index) => {
    const checkpoints = phaseCheckpoints(phase, index);
    const answered = checkpoints.filter((c) => answers.has(c.id)).length;
    return {
      id: phase.id,
      number: index + 1,
      title: phase.title,
      answered,
      total: checkpoints.length,
      complete: answered === checkpoints.length,
      current: currentStep === phase.id,
      href: `${base(token)}/phases/${phase.id}`,
    };
  });
}

function checkpointView(
  definition: Definition,
  checkpoint: PlacedCheckpoint,
  number: number,
  token: string,
  saved: { answer?: Answer; note?: string },
  form?: AnswerForm,
) {
  const chosen = form?.values.get(answerField(checkpoint.id)) ?? (saved.answer ? choiceOfAnswer(saved.answer) : undefined);
  const note = form?.values.get(evidenceField(checkpoint.id)) ?? saved.note ?? '';
  const option = (value: string, label: string, description: string, kind: string) => ({
    value,
    label,
    description,
    kind,
    checked: chosen === value,
    inputId: `cp-${checkpoint.id}-${value}`,
  });
  return {
    id: checkpoint.id,
    number,
    statement: checkpoint.statement,
    owner: checkpoint.owner,
    withoutThis: checkpoint.withoutThis,
    guidance: checkpoint.guidance,
    evidencePrompt: checkpoint.evidencePrompt ?? 'What would show this is (or is not) in place?',
    answerName: answerField(checkpoint.id),
    evidenceName: evidenceField(checkpoint.id),
    note,
    noteOpen: note !== '',
    maxEvidenceLength,
    answered: chosen !== undefined,
    error: form?.errors.get(checkpoint.id),
    saveUrl: `${base(token)}/checkpoints/${checkpoint.id}`,
    options: [
      ...definition.scale.points.map((p) => option(String(p.value), p.label, p.description, 'rating')),
      option('dontknow', definition.scale.dontKnow.label, definition.scale.dontKnow.description, 'dont-know'),
      option('na', definition.scale.notApplicable.label, definition.scale.notApplicable.description, 'not-applicable'),
    ],
  };
}

async function renderPhase(
  app: FastifyInstance,
  reply: FastifyReply,
  respondent: Respondent,
  phaseId: string,
  form?: AnswerForm,
  options: { status?: number; notice?: string; saved?: boolean } = {},
) {
  const { definition, token, response } = respondent;
  const index = definition.phases.findIndex((p) => p.id === phaseId);
  if (index === -1) throw notFound('This phase');
  const phase = definition.phases[index]!;
  const [answers, notes] = await Promise.all([listAnswers(app.db, response.id), listEvidence(app.db, response.id)]);
  const checkpoints = phaseCheckpoints(phase, index);
  let number = 0;
  const view = (c: PlacedCheckpoint) =>
    checkpointView(definition, c, ++number, token, { answer: answers.get(c.id), note: notes.get(c.id) }, form);
  const owner = phase.prerequisites.some((p) => p.owner === 'frontline') ? 'Frontline' : 'Leadership';
  const groups = [
    {
      heading: `${owner} prerequisites`,
      intro: `Checked first: execution in this phase depends on them. ${phase.withoutPrerequisites}`,
      checkpoints: checkpoints.filter((c) => c.part === 'prerequisites').map(view),
    },
    ...phase.execution.map((group) => ({
      heading: `Execution: ${group.level}`,
      intro: undefined,
      checkpoints: checkpoints.filter((c) => c.part === 'execution' && c.level === group.level).map(view),
    })),
  ];
  privatePage(reply);
  reply.status(options.status ?? (form ? 422 : 200));
  return reply.page('self-assessment/phase', {
    title: `Phase ${index + 1}: ${phase.title}`,
    assessment: definition,
    token,
    privatePath: base(token),
    progress: progressOf(definition, answers, token, phase.id),
    phase: { id: phase.id, number: index + 1, title: phase.title, summary: phase.summary },
    phaseCount: definition.phases.length,
    groups,
    errorCount: form?.errors.size ?? 0,
    notice: options.notice,
    saved: options.saved,
    errors: form ? [...form.errors].map(([id, message]) => ({ id, message })) : [],
    isFirst: index === 0,
    isLast: index === definition.phases.length - 1,
    formAction: `${base(token)}/phases/${phase.id}`,
    closedWorkshop: closedWorkshopNotice(respondent.workshop, true),
  });
}

/**
 * A phase form refused for its CSRF token (the page sat open too long, or its
 * cookie was lost) comes back with everything the user entered, not an error page.
 */
function phaseFormErrors(app: FastifyInstance) {
  return async (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (!error.code?.startsWith('FST_CSRF_')) return app.errorHandler(error, request, reply);
    const { token, phaseId } = phaseParams.parse(request.params);
    const respondent = await respondentFor(app, token);
    const index = respondent.definition.phases.findIndex((p) => p.id === phaseId);
    if (index === -1) throw notFound();
    const form = readAnswerForm(respondent.definition, phaseCheckpoints(respondent.definition.phases[index]!, index), request.body);
    return renderPhase(app, reply, respondent, phaseId, form, {
      status: 403,
      notice: 'Your answers on this page were not saved yet because the page had expired. They are filled in below: check them and save again.',
    });
  };
}

export default async function selfAssessmentRoutes(app: FastifyInstance) {
  /** The autosave reply never changes: rendered once, on the first save. */
  let savedStatus: string | undefined;

  app.post(
    '/start',
    { config: { rateLimit: { max: app.config.startsPerMinute, timeWindow: '1 minute' } } },
    async (request, reply) => {
      const body = startBody.safeParse(request.body);
      const definition = body.success
        ? body.data.version
          ? app.assessments.get(body.data.assessment, body.data.version)
          : app.assessments.latestOf(body.data.assessment)
        : undefined;
      if (!definition) throw notFound('This assessment');
      const token = newPrivateToken();
      await createResponse(app.db, {
        tokenHash: hashPrivateToken(token),
        assessmentId: definition.id,
        assessmentVersion: definition.version,
      });
      return reply.redirect(`${base(token)}/start`, 303);
    },
  );

  // The private link itself: resume exactly where the respondent was.
  app.get('/r/:token', async (request, reply) => {
    const { token } = tokenParams.parse(request.params);
    const { response, definition } = await respondentFor(app, token);
    privatePage(reply);
    const step = response.lastStep;
    if (step === 'review' || step === 'results') return reply.redirect(`${base(token)}/${step}`, 303);
    if (step && definition.phases.some((p) => p.id === step)) {
      return reply.redirect(`${base(token)}/phases/${step}`, 303);
    }
    return reply.redirect(`${base(token)}/start`, 303);
  });

  app.get('/r/:token/start', async (request, reply) => {
    const { token } = tokenParams.parse(request.params);
    const { response, definition, workshop } = await respondentFor(app, token);
    const answers = await listAnswers(app.db, response.id);
    privatePage(reply);
    return reply.page('self-assessment/start', {
      closedWorkshop: closedWorkshopNotice(workshop),
      workshop: workshop ? { title: workshop.title, someoneElsePath: `/j/${workshop.joinCode}?as=new` } : undefined,
      title: definition.title,
      assessment: definition,
      token,
      privatePath: base(token),
      privateUrl: `${app.config.publicUrl ?? `${request.protocol}://${request.host}`}${base(token)}`,
      progress: progressOf(definition, answers, token, 'start'),
      scale: definition.scale,
      firstPhaseHref: `${base(token)}/phases/${definition.phases[0]!.id}`,
      answeredCount: answers.size,
    });
  });

  app.get('/r/:token/phases/:phaseId', async (request, reply) => {
    const { token, phaseId } = phaseParams.parse(request.params);
    const respondent = await respondentFor(app, token);
    if (respondent.definition.phases.some((p) => p.id === phaseId)) {
      await setLastStep(app.db, respondent.response.id, phaseId);
    }
    const saved = (request.query as Record<string, unknown>).saved === '1';
    return renderPhase(app, reply, respondent, phaseId, undefined, { saved });
  });

  // The phase form without JavaScript: save everything posted, then move on.
  app.post('/r/:token/phases/:phaseId', { errorHandler: phaseFormErrors(app) }, async (request, reply) => {
    const { token, phaseId } = phaseParams.parse(request.params);
    const respondent = await respondentFor(app, token);
    const { definition, response } = respondent;
    const index = definition.phases.findIndex((p) => p.id === phaseId);
    if (index === -1) throw notFound('This phase');
    const form = readAnswerForm(definition, phaseCheckpoints(definition.phases[index]!, index), request.body);
    if (!isOpenForAnswers(respondent)) {
      return renderPhase(app, reply, respondent, phaseId, form, { status: 409, notice: workshopClosedMessage });
    }
    if (form.errors.size > 0) return renderPhase(app, reply, respondent, phaseId, form);
    await saveAnswers(app.db, response, form.answers, form.notes);
    const { intent } = phaseIntent.parse(request.body ?? {});
    const target =
      intent === 'save'
        ? `phases/${phaseId}`
        : intent === 'previous' && index > 0
          ? `phases/${definition.phases[index - 1]!.id}`
          : intent === 'next' && index < definition.phases.length - 1
            ? `phases/${definition.phases[index + 1]!.id}`
            : intent === 'previous'
              ? 'start'
              : 'review';
    return reply.redirect(`${base(token)}/${target}${intent === 'save' ? '?saved=1' : ''}`, 303);
  });

  // Autosave of one checkpoint (htmx): answers the status line, committed before it says "Saved".
  app.post('/r/:token/checkpoints/:checkpointId', async (request, reply) => {
    const { token, checkpointId } = checkpointParams.parse(request.params);
    privatePage(reply).header('vary', 'HX-Request');
    const candidates = app.assessments.definitionsAsking(checkpointId);
    if (!isWellFormedToken(token) || candidates.length === 0) throw notFound();
    const saved = async () =>
      request.headers['hx-request'] === 'true'
        ? reply.type('text/html; charset=utf-8').send((savedStatus ??= await app.view('partials/self-assessment/save-status', { state: 'saved', message: 'Saved' })))
        : // A plain post of one checkpoint (e.g. a retried request without htmx): back to its phase.
          reply.redirect(`${base(token)}/phases/${candidates[0]!.checkpoint.phaseId}#cp-${checkpointId}`, 303);

    // Fast path, one statement: the definitions that ask this checkpoint and accept this answer.
    const forms = candidates.map(({ definition, checkpoint }) => ({
      definition,
      form: readAnswerForm(definition, [checkpoint], request.body),
    }));
    const accepting = forms.filter((f) => f.form.errors.size === 0);
    if (accepting.length > 0) {
      const { form } = accepting[0]!;
      const outcome = await autosaveCheckpoint(app.directPg, {
        tokenHash: hashPrivateToken(token),
        checkpointId,
        allowedDefinitions: accepting.map((f) => definitionKey(f.definition)),
        answer: form.answers.get(checkpointId),
        note: form.notes.get(checkpointId),
        clientRev: clientRevision(request.body),
      });
      if (!outcome.found) throw notFound();
      if (!outcome.open) {
        return reply.status(409).fragment('self-assessment/save-status', { state: 'failed', message: workshopClosedMessage });
      }
      if (outcome.saved) return saved();
    }

    // Otherwise say precisely what is wrong, for this response's own definition.
    const respondent = await respondentFor(app, token);
    const checkpoint = app.assessments.checkpoints(respondent.definition).find((c) => c.id === checkpointId);
    if (!checkpoint) throw notFound();
    if (!isOpenForAnswers(respondent)) {
      return reply.status(409).fragment('self-assessment/save-status', { state: 'failed', message: workshopClosedMessage });
    }
    const error = readAnswerForm(respondent.definition, [checkpoint], request.body).errors.get(checkpointId);
    return reply
      .status(422)
      .fragment('self-assessment/save-status', { state: 'failed', message: error ?? 'Choose one of the options listed.' });
  });

  app.get('/r/:token/review', async (request, reply) => {
    const { token } = tokenParams.parse(request.params);
    const { definition, response, workshop } = await respondentFor(app, token);
    await setLastStep(app.db, response.id, 'review');
    const answers = await listAnswers(app.db, response.id);
    const phases = definition.phases.map((phase, index) => {
      const missing = phaseCheckpoints(phase, index).filter((c) => !answers.has(c.id));
      return {
        number: index + 1,
        title: phase.title,
        href: `${base(token)}/phases/${phase.id}`,
        missing: missing.map((c) => ({ id: c.id, statement: c.statement, href: `${base(token)}/phases/${phase.id}#cp-${c.id}` })),
      };
    });
    const total = app.assessments.checkpoints(definition).length;
    privatePage(reply);
    return reply.page('self-assessment/review', {
      title: 'Review your answers',
      assessment: definition,
      token,
      privatePath: base(token),
      progress: progressOf(definition, answers, token, 'review'),
      phases,
      answered: answers.size,
      total,
      unanswered: total - answers.size,
      closedWorkshop: closedWorkshopNotice(workshop),
    });
  });

  app.get('/r/:token/results', async (request, reply) => {
    const { token } = tokenParams.parse(request.params);
    const { definition, response, workshop } = await respondentFor(app, token);
    await setLastStep(app.db, response.id, 'results');
    const answers = await listAnswers(app.db, response.id);
    const diagnostic = diagnose(definition, tallyAnswers(app.assessments.checkpoints(definition).map((c) => c.id), [answers]));
    privatePage(reply);
    return reply.page('self-assessment/results', {
      title: `Results: ${definition.title}`,
      assessment: definition,
      token,
      privatePath: base(token),
      progress: progressOf(definition, answers, token, 'results'),
      results: resultsView(definition, diagnostic),
      workshop: workshop ? { title: workshop.title, resultsRevealed: workshop.resultsRevealed } : undefined,
      closedWorkshop: closedWorkshopNotice(workshop),
      answered: answers.size,
      total: app.assessments.checkpoints(definition).length,
      generatedOn: new Date().toISOString().slice(0, 10),
    });
  });

  app.get('/r/:token/export.csv', async (request, reply) => {
    const { token } = tokenParams.parse(request.params);
    const { definition, response } = await respondentFor(app, token);
    const [answers, notes] = await Promise.all([listAnswers(app.db, response.id), listEvidence(app.db, response.id)]);
    return privatePage(reply)
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${definition.id}-v${definition.version}-answers.csv"`)
      .send(responseCsv(definition, answers, notes));
  });
}
