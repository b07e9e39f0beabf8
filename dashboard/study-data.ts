import {
  learningCurves,
  promotions,
  timeline,
  type LearningCurve,
  type Promotion,
  type TimelineSegment,
} from '../shared/analysis/curves.js';
import {
  bestSoFar,
  evaluations,
  importanceRows,
  rankTrials,
  type Evaluation,
  type MeasurementsByTrial,
  type TrialLike,
} from '../shared/analysis/evaluations.js';
import { parameterImportance, type ImportanceResult } from '../shared/analysis/importance.js';
import { SearchSpace } from '../shared/space/space.js';
import type { ParetoReport } from '../shared/analysis/pareto.js';
import { rungBoundaries } from '../shared/study/ladder.js';
import type { StudySpec } from '../shared/study/spec.js';
import type { TrialJob } from '../shared/study/types.js';
import { searchTrials } from '../shared/study/retrain.js';

/** A study as the API shows it (GET /studies/{id}). */
export interface StudyView {
  studyId: string;
  name: string;
  state: string;
  spec: StudySpec;
  best?: { trialId: string; value: number; resource: number; params: Record<string, unknown> };
  trialCounts?: Record<string, number>;
  error?: string;
  createdAt: string;
  updatedAt: string;
  enqueued?: { id: string; trialId?: string }[];
  /** Budget ledger, when the study has one (limits.maxCostUsd). */
  cost?: { spentUsd: number; reservedUsd?: Record<string, number>; budgetExhausted?: boolean };
}

export type TrialView = TrialLike & { jobs?: (TrialJob & { costUsd?: number })[]; error?: string; clientId?: string };

/** Everything a study page (or report) shows, computed once from the API's JSON. */
export interface StudyAnalysis {
  study: StudyView;
  trials: TrialView[];
  evaluations: Evaluation[];
  best: ReturnType<typeof bestSoFar>;
  curves: LearningCurve[];
  boundaries: number[];
  promotions: Promotion[];
  timeline: TimelineSegment[];
  importance: ImportanceResult & { resource?: number };
  ranked: TrialView[];
  /** Spent so far in USD, when the study or its jobs record cost; undefined otherwise. */
  costUsd?: number;
  /** The front over the objectives (`GET /studies/{id}/pareto`), for a study with 2 or more. */
  pareto?: ParetoReport;
}

export function analyzeStudy(
  study: StudyView,
  trials: TrialView[],
  measurements: MeasurementsByTrial,
  now: number,
  pareto?: ParetoReport,
): StudyAnalysis {
  const goal = study.spec.objective.goal;
  const evals = evaluations(study, trials, measurements);
  // What mattered in the search: retraining trials train other budgets with fixed values.
  const search = new Set(searchTrials(trials).map((t) => t.trialId));
  const rows = importanceRows(
    evals.filter((e) => search.has(e.trialId)),
    trials,
  );
  const jobCosts = trials.flatMap((t) => (t.jobs ?? []).map((j) => j.costUsd).filter((c): c is number => typeof c === 'number'));
  const costUsd =
    typeof study.cost?.spentUsd === 'number' ? study.cost.spentUsd : jobCosts.length > 0 ? jobCosts.reduce((a, b) => a + b, 0) : undefined;
  return {
    study,
    trials,
    evaluations: evals,
    best: bestSoFar(goal, evals),
    curves: learningCurves(study, trials, measurements),
    boundaries: rungBoundaries(study),
    promotions: promotions(study, trials),
    timeline: timeline(trials, now),
    importance: { ...parameterImportance(new SearchSpace(study.spec.parameters), rows.rows), resource: rows.resource },
    ranked: rankTrials(goal, trials),
    costUsd,
    ...(pareto ? { pareto } : {}),
  };
}
