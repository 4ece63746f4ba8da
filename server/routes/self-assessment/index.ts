import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  createResponse,
  listAnswers,
  listEvidence,
  listRevisions,
  listSharedNotes,
  autosaveCheckpoint,
  saveAnswers,
  setLastStep,
} from '../../data/responses.js';
import {
  definitionKey,
  phaseCheckpoints,
  phaseOutcomes,
  phaseQuestions,
  type PlacedQuestion,
} from '../../domain/definition.js';
import { responseCsv } from '../../domain/response-export.js';
import { notFound } from '../../http-errors.js';
import { hashPrivateToken, isWellFormedToken, newPrivateToken } from '../../private-links.js';
import { progressOf, questionView } from '../../views/answering-view.js';
import { answerField, evidenceField, readAnswerForm, type AnswerForm } from './answer-form.js';
import { base, closedMessageFor, closedWorkshopNotice, isOpenForAnswers, privatePage, respondentFor, type Respondent } from './respondent.js';

const tokenParams = z.object({ token: z.string() });
const phaseParams = tokenParams.extend({ phaseId: z.string() });
const checkpointParams = tokenParams.extend({ checkpointId: z.string() });
const startBody = z.object({ assessment: z.string().min(1), version: z.coerce.number().int().optional() });
const phaseIntent = z.object({ intent: z.enum(['previous', 'next', 'save', 'review']).catch('next') });


/**
 * The server revisions of the answer and note the page showed (static/js/autosave.js sends them;
 * absent without JavaScript). An autosave only replaces what its page saw.
 */
function revisionField(body: Record<string, unknown>, name: string): number | undefined {
  const raw = body[name];
  if (typeof raw !== 'string' || !/^\d{1,10}$/.test(raw)) return undefined;
  const value = Number(raw);
  return value <= 2_147_483_647 ? value : undefined;
}

/** What the page says when another device or tab changed this checkpoint since the page was loaded. */
export const changedElsewhereMessage =
  'Not saved: this answer was changed on another device or tab since this page was loaded. Reload the page to see it, then answer again.';

function isFormBody(request: FastifyRequest): boolean {
  const type = request.headers['content-type'] ?? '';
  return type.split(';')[0]!.trim().toLowerCase() === 'application/x-www-form-urlencoded' && typeof request.body === 'object' && request.body !== null;
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
  const [answers, notes, shared, revisions] = await Promise.all([
    listAnswers(app.db, response.id),
    listEvidence(app.db, response.id),
    listSharedNotes(app.db, response.id),
    listRevisions(app.db, response.id),
  ]);
  const checkpoints = phaseCheckpoints(phase, index);
  // Only a workshop participant has a room to share a note with.
  const room = respondent.workshop ? { minimum: respondent.workshop.anonymityMinimum } : undefined;
  let number = 0;
  const view = (c: PlacedQuestion) =>
    questionView(
      definition,
      c,
      ++number,
      token,
      { answer: answers.get(c.id), note: notes.get(c.id), shared: shared.has(c.id), revisions: revisions.get(c.id) },
      form,
      room,
    );
  const outcomes = phaseOutcomes(phase, index);
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
    ...(outcomes.length > 0
      ? [
          {
            heading: 'Outcome signals',
            intro:
              'Not practices but results: which way each measure has moved over the last two quarters. Practices improving while a result gets worse is a warning sign.',
            checkpoints: outcomes.map(view),
          },
        ]
      : []),
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
    const form = readAnswerForm(respondent.definition, phaseQuestions(respondent.definition.phases[index]!, index), request.body);
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
    const form = readAnswerForm(definition, phaseQuestions(definition.phases[index]!, index), request.body);
    if (!isOpenForAnswers(respondent)) {
      return renderPhase(app, reply, respondent, phaseId, form, { status: 409, notice: closedMessageFor(respondent) });
    }
    if (form.errors.size > 0) return renderPhase(app, reply, respondent, phaseId, form);
    await saveAnswers(app.db, response, form.answers, form.notes, form.shared);
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
  // The token is the credential; CSRF: Fetch Metadata for htmx, else the form's token (security.ts).
  app.post('/r/:token/checkpoints/:checkpointId', { config: { csrf: 'same-origin' } }, async (request, reply) => {
    const { token, checkpointId } = checkpointParams.parse(request.params);
    privatePage(reply).header('vary', 'HX-Request');
    const candidates = app.assessments.definitionsAsking(checkpointId);
    if (!isWellFormedToken(token) || candidates.length === 0) throw notFound();
    // Only what the page's own form sends: any other body would be answered "Saved" with nothing stored.
    if (!isFormBody(request)) {
      return reply.status(415).fragment('self-assessment/save-status', { state: 'failed', message: 'Not saved: this save was not sent as a form.' });
    }
    const fields = request.body as Record<string, unknown>;
    if (fields[answerField(checkpointId)] === undefined && fields[evidenceField(checkpointId)] === undefined) {
      return reply.status(400).fragment('self-assessment/save-status', { state: 'failed', message: 'Not saved: nothing to save was sent.' });
    }
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
      const body = request.body as Record<string, unknown>;
      const outcome = await autosaveCheckpoint(app.directPg, {
        tokenHash: hashPrivateToken(token),
        checkpointId,
        allowedDefinitions: accepting.map((f) => definitionKey(f.definition)),
        answer: form.answers.get(checkpointId),
        note: form.notes.get(checkpointId),
        shared: form.shared.has(checkpointId),
        seen: { answer: revisionField(body, 'answer_rev'), note: revisionField(body, 'note_rev') },
      });
      if (!outcome.found) throw notFound();
      if (!outcome.open) {
        // Rare (answering has closed): look up whose round or workshop it was, to say which.
        return reply.status(409).fragment('self-assessment/save-status', { state: 'failed', message: closedMessageFor(await respondentFor(app, token)) });
      }
      if (outcome.writable) {
        // The page keeps these for its next save of this checkpoint.
        if (outcome.answer) reply.header('x-answer-revision', outcome.answer.revision);
        if (outcome.note) reply.header('x-note-revision', outcome.note.revision);
        if (outcome.answer?.stored === false || outcome.note?.stored === false) {
          return reply.status(412).fragment('self-assessment/save-status', { state: 'failed', message: changedElsewhereMessage });
        }
        return saved();
      }
    }

    // Otherwise say precisely what is wrong, for this response's own definition.
    const respondent = await respondentFor(app, token);
    const checkpoint = app.assessments.questions(respondent.definition).find((c) => c.id === checkpointId);
    if (!checkpoint) throw notFound();
    if (!isOpenForAnswers(respondent)) {
      return reply.status(409).fragment('self-assessment/save-status', { state: 'failed', message: closedMessageFor(respondent) });
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
      const missing = phaseQuestions(phase, index).filter((c) => !answers.has(c.id));
      return {
        number: index + 1,
        title: phase.title,
        href: `${base(token)}/phases/${phase.id}`,
        missing: missing.map((c) => ({ id: c.id, statement: c.statement, href: `${base(token)}/phases/${phase.id}#cp-${c.id}` })),
      };
    });
    const total = app.assessments.questions(definition).length;
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
