import type { BestTrial, Trial } from './types.js';

/** Objective value turned so that larger is better. */
export function orient(goal: 'maximize' | 'minimize', value: number): number {
  return goal === 'maximize' ? value : -value;
}

/**
 * The study's best trial is the best objective among the trials trained furthest: a value
 * measured after 1 epoch is not comparable with one after 27 (Hyperband's answer is a trial
 * trained to the full budget; Optuna's best_trial likewise ignores pruned trials when any completed).
 */
export function pickBest(goal: 'maximize' | 'minimize', current: BestTrial | undefined, trial: Trial): BestTrial | undefined {
  // A trial that violates a constraint is never the best; if it was (feasible at an earlier rung), it stops being.
  if (trial.feasible === false || trial.state === 'INFEASIBLE') return current?.trialId === trial.trialId ? undefined : current;
  if (trial.value === undefined || !Number.isFinite(trial.value)) return current;
  const candidate: BestTrial = { trialId: trial.trialId, value: trial.value, resource: trial.resource, params: trial.params };
  if (!current) return candidate;
  if (candidate.resource !== current.resource) return candidate.resource > current.resource ? candidate : current;
  if (orient(goal, candidate.value) > orient(goal, current.value)) return candidate;
  return current;
}
