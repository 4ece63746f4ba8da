import type { Definition } from '../../domain/definition.js';
import type { Confidence, Constraint, Diagnostic, PartResult } from '../../domain/diagnostic.js';
import { ownerOf, resultsView } from '../../views/diagnostic-view.js';

const round = (n: number | null) => (n === null ? null : Math.round(n * 10) / 10);

const confidence = (c: Confidence) => ({
  level: c.level,
  share: Math.round(c.share * 1000) / 1000,
  rated: c.rated,
  applicable: c.applicable,
  dontKnow: c.dontKnow,
  unanswered: c.unanswered,
});

const part = (p: PartResult) => ({
  score: round(p.score),
  verdict: p.verdict,
  met: p.met,
  reason: p.reason,
  confidence: confidence(p.confidence),
  levels: p.levels.map((l) => ({ level: l.level, score: round(l.score), inPlace: l.inPlace })),
  checkpoints: p.checkpoints.map((c) => ({
    checkpointId: c.checkpoint.id,
    level: c.checkpoint.level,
    owner: ownerOf(c.checkpoint),
    score: round(c.score),
    state: c.state,
  })),
});

function constraint(c: Constraint | null, sentence: string | undefined) {
  if (!c) return null;
  return {
    phaseId: c.phase.id,
    phaseNumber: c.phaseIndex + 1,
    part: c.part,
    reason: c.reason,
    sentence: sentence ?? null,
    missingLevels: c.missingLevels,
    weakest: c.weakest.map((w) => ({
      checkpointId: w.checkpoint.id,
      statement: w.checkpoint.statement,
      owner: ownerOf(w.checkpoint),
      score: round(w.score),
      state: w.state,
    })),
    worseningOutcomes: c.worseningOutcomes.map((o) => o.outcome.id),
    confidence: confidence(c.confidence),
  };
}

/** The diagnostic as the API returns it: plain data, ids instead of definition objects. */
export function diagnosticJson(definition: Definition, diagnostic: Diagnostic) {
  const view = resultsView(definition, diagnostic);
  return {
    assessment: { id: definition.id, version: definition.version },
    verdict: diagnostic.verdict,
    stageReached: diagnostic.stageReached,
    stageTitle: view.stage.title ?? null,
    confidence: confidence(diagnostic.confidence),
    constraint: constraint(diagnostic.constraint, view.constraint?.sentence),
    nextConstraint: constraint(diagnostic.nextConstraint, view.nextConstraint?.sentence),
    phases: diagnostic.phases.map((p, i) => ({
      id: p.phase.id,
      number: p.index + 1,
      title: p.phase.title,
      status: p.status,
      counted: p.counted,
      label: view.phases[i]!.statusLabel,
      meaning: view.phases[i]!.meaning,
      prerequisites: part(p.prerequisites),
      execution: part(p.execution),
      outcomes: p.outcomes.map((o) => ({
        outcomeId: o.outcome.id,
        trend: o.trend,
        worse: o.worse,
        flat: o.flat,
        better: o.better,
        notMeasured: o.notMeasured,
      })),
      theater: p.theater
        ? {
            aheadOf: p.theater.aheadOf.map((c) => c.checkpoint.id),
            worseningOutcomes: p.theater.worseningOutcomes.map((o) => o.outcome.id),
          }
        : null,
      confidence: confidence(p.confidence),
    })),
    nextSteps: view.nextSteps.map((s) => ({
      checkpointId: s.id,
      statement: s.statement,
      kind: s.kind,
      owner: 'owner' in s ? s.owner : null,
      ownerLabel: s.ownerLabel,
      action: s.action,
      why: s.why,
      done: s.done,
      question: s.question,
      pause: s.pause,
      blocks: s.blocks,
    })),
    flags: diagnostic.flags.map((f, i) => ({
      kind: f.kind,
      checkpointIds: [...new Set([f.strong?.id, f.weak?.id, ...f.checkpoints.map((c) => c.id)].filter((id): id is string => id !== undefined))],
      sentence: view.flags[i]!.sentence,
    })),
    likelyBottleneck: view.bottleneck ? { id: view.bottleneck.id, title: view.bottleneck.title, score: round(view.bottleneck.score) } : null,
  };
}
