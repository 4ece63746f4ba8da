import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { sharedSecret } from '../../data/settings.js';
import { deleteLeaderAction, listLeaderActions, saveLeaderAction } from '../../data/response-actions.js';
import { createRetake, findResponseById, findRetakeOf, listAnswers, setLastStep } from '../../data/responses.js';
import { tallyAnswers } from '../../domain/answers.js';
import { compareRounds } from '../../domain/comparison.js';
import { allCheckpoints, answerableIds } from '../../domain/definition.js';
import { diagnose } from '../../domain/diagnostic.js';
import { dueQuarterProblem, upcomingQuarters } from '../../domain/quarters.js';
import { notFound } from '../../http-errors.js';
import { hashPrivateToken, privateTokenForRetake } from '../../private-links.js';
import { resultsView } from '../../views/diagnostic-view.js';
import { actionsView, sinceLastTimeView, type ActionFormState } from '../../views/leader-loop-view.js';
import { progressOf } from '../../views/answering-view.js';
import { base, closedWorkshopNotice, privatePage, respondentFor, type Respondent } from './respondent.js';

/**
 * The results page and the leader's loop around it: record a next step as an action, take the
 * assessment again next quarter, and see what moved since the last time.
 */

const tokenParams = z.object({ token: z.string() });
const actionParams = tokenParams.extend({ checkpointId: z.string() });
const cleanText = (max: number) =>
  z
    .string()
    .transform((s) => s.replaceAll('\u0000', '').replace(/\s+/g, ' ').trim())
    .pipe(z.string().min(1, 'Write something here.').max(max, `Keep it under ${max} characters.`));
const actionBody = z.object({
  checkpoint: z.string().min(1),
  description: cleanText(500),
  owner: cleanText(200),
  due: z.string(),
});
const dueQuartersOffered = 6;

/** Text fields as posted (the last value of a repeated field), to re-render a refused form. */
function postedText(body: unknown, name: string): string {
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  const last = Array.isArray(value) ? value.at(-1) : value;
  return typeof last === 'string' ? last.replaceAll('\u0000', '') : '';
}

async function renderResults(
  app: FastifyInstance,
  reply: FastifyReply,
  respondent: Respondent,
  tokenSecret: string,
  actionForm?: ActionFormState,
) {
  const { definition, response, workshop, token } = respondent;
  const [answers, actions, retake, previous] = await Promise.all([
    listAnswers(app.db, response.id),
    listLeaderActions(app.db, response.id),
    findRetakeOf(app.db, response.id),
    response.previousResponseId ? findResponseById(app.db, response.previousResponseId) : undefined,
  ]);
  const tallies = tallyAnswers(answerableIds(definition), [answers]);
  const diagnostic = diagnose(definition, tallies);
  const previousDefinition = previous && app.assessments.get(previous.assessmentId, previous.assessmentVersion);
  let sinceLastTime;
  if (previous && previousDefinition) {
    const [previousAnswers, previousActions] = await Promise.all([
      listAnswers(app.db, previous.id),
      listLeaderActions(app.db, previous.id),
    ]);
    const comparison = compareRounds(
      app.assessments.list(),
      { definition: previousDefinition, tallies: tallyAnswers(answerableIds(previousDefinition), [previousAnswers]), respondents: 1 },
      { definition, tallies, respondents: 1 },
    );
    sinceLastTime = sinceLastTimeView(comparison, { createdAt: previous.createdAt, actions: previousActions, definition: previousDefinition });
  }
  const retakeToken = workshop ? undefined : privateTokenForRetake(tokenSecret, token);
  const results = resultsView(definition, diagnostic);
  const recorded = new Set(actions.map((a) => a.checkpointId));
  privatePage(reply);
  if (actionForm) reply.status(422);
  return reply.page('self-assessment/results', {
    title: `Results: ${definition.title}`,
    assessment: definition,
    token,
    privatePath: base(token),
    progress: progressOf(definition, answers, token, 'results'),
    results,
    actions: workshop
      ? undefined
      : {
          path: `${base(token)}/actions`,
          quarters: upcomingQuarters(new Date(), dueQuartersOffered),
          recorded: [...recorded],
          form: actionForm,
        },
    recordedActions: actionsView(definition, actions, (id) => `${base(token)}/actions/${encodeURIComponent(id)}/delete`),
    sinceLastTime,
    retake: retakeToken
      ? { started: retake !== undefined, path: `${base(token)}/retake`, retakePath: retake ? base(retakeToken) : undefined }
      : undefined,
    workshop: workshop ? { title: workshop.title, resultsRevealed: workshop.resultsRevealed } : undefined,
    closedWorkshop: closedWorkshopNotice(workshop),
    answered: answers.size,
    total: app.assessments.questions(definition).length,
    generatedOn: new Date().toISOString().slice(0, 10),
  });
}

export default async function resultsRoutes(app: FastifyInstance) {
  // Read once: the secret retake links are derived with (shared by every app process).
  const tokenSecret = await sharedSecret(app.db, 'token_secret');

  app.get('/r/:token/results', async (request, reply) => {
    const { token } = tokenParams.parse(request.params);
    const respondent = await respondentFor(app, token);
    await setLastStep(app.db, respondent.response.id, 'results');
    return renderResults(app, reply, respondent, tokenSecret);
  });

  // Record a next step as an action (one per checkpoint: sending it again updates it).
  app.post('/r/:token/actions', async (request, reply) => {
    const { token } = tokenParams.parse(request.params);
    const respondent = await respondentFor(app, token);
    if (respondent.workshop) throw notFound();
    const parsed = actionBody.safeParse(request.body);
    const checkpointId = postedText(request.body, 'checkpoint');
    if (!allCheckpoints(respondent.definition).some((c) => c.id === checkpointId)) throw notFound('This checkpoint');
    const dueQuarter = postedText(request.body, 'due').trim();
    const dueProblem = dueQuarterProblem(dueQuarter, new Date());
    const errors = [
      ...(parsed.success ? [] : parsed.error.issues.map((i) => ({ field: String(i.path[0]), message: i.message }))),
      ...(dueProblem ? [{ field: 'due', message: dueProblem }] : []),
    ];
    if (!parsed.success || dueProblem) {
      return renderResults(app, reply, respondent, tokenSecret, {
        checkpointId,
        values: {
          description: postedText(request.body, 'description'),
          owner: postedText(request.body, 'owner'),
          due: postedText(request.body, 'due'),
        },
        errors,
      });
    }
    await saveLeaderAction(app.db, respondent.response.id, {
      checkpointId,
      description: parsed.data.description,
      owner: parsed.data.owner,
      dueQuarter,
    });
    return reply.redirect(`${base(token)}/results#actions`, 303);
  });

  app.post('/r/:token/actions/:checkpointId/delete', async (request, reply) => {
    const { token, checkpointId } = actionParams.parse(request.params);
    const respondent = await respondentFor(app, token);
    await deleteLeaderAction(app.db, respondent.response.id, checkpointId);
    return reply.redirect(`${base(token)}/results#actions`, 303);
  });

  // Take the assessment again (next quarter): a new response on the newest version, linked to this one.
  app.post('/r/:token/retake', async (request, reply) => {
    const { token } = tokenParams.parse(request.params);
    const { response, workshop, definition } = await respondentFor(app, token);
    if (workshop) throw notFound();
    const latest = app.assessments.latestOf(definition.id) ?? definition;
    const retakeToken = privateTokenForRetake(tokenSecret, token);
    await createRetake(app.db, { previous: response, tokenHash: hashPrivateToken(retakeToken), assessmentVersion: latest.version });
    return reply.redirect(`${base(retakeToken)}/start`, 303);
  });
}
