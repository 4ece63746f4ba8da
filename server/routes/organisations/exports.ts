import { createHmac, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { resultSummaries, roundAnswerBatches, type RoundRecord } from '../../data/rounds.js';
import { csvCell } from '../../domain/csv.js';
import { exportedAnswer, exportedTeamOf } from '../../domain/round-export.js';
import { idsOnPath } from '../../domain/team-tree.js';
import { statusLabels } from '../../views/diagnostic-view.js';
import { withheldTeams } from './withheld.js';

export type ExportFormat = 'csv' | 'json';

const csvLine = (cells: readonly (string | number | null | undefined)[]) => `${cells.map(csvCell).join(',')}\r\n`;

/** Teams a closed round may name in an export: the shown rows, by id, with their path labels. */
async function shownTeams(app: FastifyInstance, round: RoundRecord) {
  const rows = (await resultSummaries(app.readDb, round.organisationId, [round.id])).get(round.id) ?? [];
  const withheld = withheldTeams(rows);
  const names = new Map(rows.map((r) => [r.teamId, r.teamName]));
  const label = (path: string) =>
    idsOnPath(path)
      .map((id) => names.get(id) ?? '…')
      .join(' / ');
  return { rows, withheld, known: new Set(rows.map((r) => r.teamId)), label };
}

/**
 * A round's anonymous answers, streamed a batch of responses at a time: a
 * fresh random code per respondent (different in every export, so two exports
 * cannot be joined), the deepest shown team on the answer's path, the
 * checkpoint and the answer. No names, tokens, times or roles.
 */
export async function streamRoundAnswers(app: FastifyInstance, round: RoundRecord, format: ExportFormat): Promise<Readable> {
  const { withheld, known, rows, label } = await shownTeams(app, round);
  const pathById = new Map(rows.map((r) => [r.teamId, r.teamPath]));
  const exportKey = randomBytes(32);
  // Answers arrive grouped by response: one code per respondent, computed once.
  let lastResponse = '';
  let lastCode = '';
  const codeOf = (responseId: string) => {
    if (responseId !== lastResponse) {
      lastResponse = responseId;
      lastCode = createHmac('sha256', exportKey).update(responseId).digest('base64url').slice(0, 12);
    }
    return lastCode;
  };
  async function* lines(): AsyncGenerator<string> {
    let first = true;
    yield format === 'csv'
      ? csvLine(['participant', 'team', 'checkpoint', 'answer'])
      : `{"round":${JSON.stringify(round.label)},"assessment":${JSON.stringify(`${round.assessmentId}@${round.assessmentVersion}`)},"answers":[`;
    for await (const batch of roundAnswerBatches(app.readDb, round.organisationId, round.id)) {
      let chunk = '';
      for (const a of batch) {
        const teamId = exportedTeamOf(a.teamPath, withheld, known);
        if (!teamId) continue;
        const row = [codeOf(a.responseId), label(pathById.get(teamId) ?? ''), a.checkpointId, exportedAnswer(a.answer)] as const;
        if (format === 'csv') chunk += csvLine(row);
        else {
          chunk += `${first ? '' : ','}\n${JSON.stringify({ participant: row[0], team: row[1], checkpoint: row[2], answer: row[3] })}`;
          first = false;
        }
      }
      if (chunk) yield chunk;
    }
    if (format === 'json') yield '\n]}\n';
  }
  return Readable.from(lines());
}

/** A round's results per team (shown teams only): people, and status and score per phase. */
export async function roundResultsTable(app: FastifyInstance, round: RoundRecord) {
  const definition = app.assessments.get(round.assessmentId, round.assessmentVersion);
  const { rows, withheld, label } = await shownTeams(app, round);
  return {
    round: round.label,
    assessment: `${round.assessmentId}@${round.assessmentVersion}`,
    minimum: round.anonymityMinimum,
    teams: rows
      .filter((r) => !withheld.has(r.teamId))
      .map((r) => ({
        teamId: r.teamId,
        team: label(r.teamPath),
        respondents: r.respondents,
        phases: r.summary.map((s) => ({
          phase: s.phaseId,
          title: definition?.phases.find((p) => p.id === s.phaseId)?.title ?? s.phaseId,
          status: s.status,
          statusLabel: statusLabels[s.status],
          score: s.score,
        })),
      }))
      .sort((a, b) => a.team.localeCompare(b.team)),
  };
}

export function resultsCsv(table: Awaited<ReturnType<typeof roundResultsTable>>): string {
  let out = csvLine(['team', 'respondents', 'phase', 'status', 'score']);
  for (const t of table.teams) for (const p of t.phases) out += csvLine([t.team, t.respondents, p.title, p.statusLabel, p.score]);
  return out;
}

export function sendExport(reply: FastifyReply, round: RoundRecord, what: 'answers' | 'results', format: ExportFormat) {
  const name = `stallpoint-${round.label.replace(/[^A-Za-z0-9-]/g, '_')}-${what}.${format}`;
  return reply
    .header('cache-control', 'no-store')
    .header('content-disposition', `attachment; filename="${name}"`)
    .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8');
}
