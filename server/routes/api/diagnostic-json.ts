import type { Definition } from '../../domain/definition.js';
import type { Confidence, Diagnostic, PartResult } from '../../domain/diagnostic.js';
import { constraintSentence, resultsView } from '../../views/diagnostic-view.js';

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
  met: p.met,
  confidence: confidence(p.confidence),
  checkpoints: p.checkpoints.map((c) => ({
    checkpointId: c.checkpoint.id,
    level: c.checkpoint.level,
    score: round(c.score),
    state: c.state,
  })),
});

/** The diagnostic as the API returns it: plain data, ids instead of definition objects. */
export function diagnosticJson(definition: Definition, diagnostic: Diagnostic) {
  const view = resultsView(definition, diagnostic);
  return {
    assessment: { id: definition.id, version: definition.version },
    stageReached: diagnostic.stageReached,
    stageTitle: view.stage.title ?? null,
    confidence: confidence(diagnostic.confidence),
    constraint: diagnostic.constraint
      ? {
          phaseId: diagnostic.constraint.phase.id,
          phaseNumber: diagnostic.constraint.phaseIndex + 1,
          part: diagnostic.constraint.part,
          sentence: constraintSentence(diagnostic, definition),
          weakest: diagnostic.constraint.weakest.map((w) => ({
            checkpointId: w.checkpoint.id,
            statement: w.checkpoint.statement,
            score: round(w.score),
            state: w.state,
          })),
          confidence: confidence(diagnostic.constraint.confidence),
        }
      : null,
    phases: diagnostic.phases.map((p, i) => ({
      id: p.phase.id,
      number: p.index + 1,
      title: p.phase.title,
      status: p.status,
      meaning: view.phases[i]!.meaning,
      prerequisites: part(p.prerequisites),
      execution: part(p.execution),
      confidence: confidence(p.confidence),
    })),
    nextSteps: view.nextSteps.map((s) => ({
      checkpointId: s.id,
      statement: s.statement,
      kind: s.kind,
      action: s.action,
      reason: s.reason,
    })),
  };
}
