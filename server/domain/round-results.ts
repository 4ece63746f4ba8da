import type { CountedAnswer } from './aggregation.js';
import { tallyCounts } from './aggregation.js';
import { allCheckpoints, type Definition } from './definition.js';
import { diagnose, type PhaseStatus } from './diagnostic.js';
import { hiddenInTree } from './anonymity.js';
import { idsOnPath } from './team-tree.js';

/**
 * A round's results, computed once when it closes. Each team's row pools the
 * responses of its whole subtree, found by the team path frozen on each
 * response (never an average of its children's averages). Pure.
 */

/** Answers of one team path, counted by checkpoint, role and value. */
export interface PathCount extends CountedAnswer {
  teamPath: string;
}

/** Respondents (responses with at least one answer) per team path and role. */
export interface PathRespondents {
  teamPath: string;
  role: 'leader' | 'team_member';
  respondents: number;
}

export interface PhaseSummary {
  phaseId: string;
  status: PhaseStatus;
  /** 0–100: the mean of the prerequisite and execution scores that exist; null when nothing was rated. */
  score: number | null;
}

export interface PooledTeam {
  teamId: string;
  /** The path of the team as the round recorded it (from the responses; the shortest prefix ending at the team). */
  teamPath: string;
  respondents: number;
  leaders: number;
  teamMembers: number;
  counts: CountedAnswer[];
}

/** Pool every path's answers into each team on it: the team itself and each of its ancestors. */
export function poolBySubtree(counts: readonly PathCount[], respondents: readonly PathRespondents[]): PooledTeam[] {
  const pooled = new Map<string, { teamPath: string; leaders: number; teamMembers: number; counts: Map<string, CountedAnswer> }>();
  const entry = (path: string, teamId: string, depth: number) => {
    let team = pooled.get(teamId);
    if (!team) {
      team = { teamPath: idsOnPath(path).slice(0, depth + 1).join('/'), leaders: 0, teamMembers: 0, counts: new Map() };
      pooled.set(teamId, team);
    }
    return team;
  };
  for (const r of respondents) {
    idsOnPath(r.teamPath).forEach((teamId, depth) => {
      const team = entry(r.teamPath, teamId, depth);
      if (r.role === 'leader') team.leaders += r.respondents;
      else team.teamMembers += r.respondents;
    });
  }
  for (const c of counts) {
    idsOnPath(c.teamPath).forEach((teamId, depth) => {
      const team = entry(c.teamPath, teamId, depth);
      const key = `${c.checkpointId}\u0000${c.role}\u0000${c.answer.kind}\u0000${c.answer.kind === 'rating' ? c.answer.value : ''}`;
      const existing = team.counts.get(key);
      if (existing) existing.count += c.count;
      else team.counts.set(key, { checkpointId: c.checkpointId, role: c.role, answer: c.answer, count: c.count });
    });
  }
  return [...pooled].map(([teamId, t]) => ({
    teamId,
    teamPath: t.teamPath,
    respondents: t.leaders + t.teamMembers,
    leaders: t.leaders,
    teamMembers: t.teamMembers,
    counts: [...t.counts.values()],
  }));
}

/** The heatmap's cells for one pooled team: status and score per phase, from the engine. */
export function summarise(definition: Definition, team: Pick<PooledTeam, 'counts' | 'respondents'>): PhaseSummary[] {
  const ids = allCheckpoints(definition).map((c) => c.id);
  const diagnostic = diagnose(definition, tallyCounts(ids, team.counts, team.respondents), team.respondents);
  return diagnostic.phases.map((p) => {
    const scores = [p.prerequisites.score, p.execution.score].filter((s): s is number => s !== null);
    return {
      phaseId: p.phase.id,
      status: p.status,
      score: scores.length === 0 ? null : Math.round(scores.reduce((a, b) => a + b, 0) / scores.length),
    };
  });
}

export interface TeamResult extends PooledTeam {
  teamName: string;
  summary: PhaseSummary[];
  /** Withheld by the anonymity rules of the tree, at the round's minimum. */
  withheld: boolean;
}

/** A closed round's results: every team with responses in its subtree, pooled and summarised. */
export function roundResults(
  definition: Definition,
  teamNames: ReadonlyMap<string, string>,
  input: { counts: readonly PathCount[]; respondents: readonly PathRespondents[] },
  minimum: number,
): TeamResult[] {
  const pooled = poolBySubtree(input.counts, input.respondents);
  const withheld = hiddenInTree(
    pooled.map((t) => ({ id: t.teamId, parentId: idsOnPath(t.teamPath).at(-2) ?? null, n: t.respondents })),
    minimum,
  );
  return pooled.map((team) => ({
    ...team,
    teamName: teamNames.get(team.teamId) ?? 'Team',
    summary: summarise(definition, team),
    withheld: withheld.has(team.teamId),
  }));
}
