import { createRng, deriveSeed } from '../rng.js';
import type { Observation, Sampler } from '../samplers/sampler.js';
import type { Params, ParametersSpec } from '../space/schema.js';
import { SearchSpace } from '../space/space.js';

/** What one evaluation of a tabulated architecture returns. */
export interface Evaluation {
  /** Objective (larger is better); NaN when the configuration could not be measured. */
  score: number;
  /** Whether every constraint holds (false for a configuration absent from the table). */
  feasible: boolean;
  /** Constraint value, <= 0 when satisfied (Optuna's convention); NaN when not measured. */
  violation: number;
  /** Further metrics (latency, params, ...), for multi-objective runs and reports. */
  metrics?: Record<string, number>;
}

/**
 * A black-box NAS task over a finite table (one dataset of nb201 or nasgraph): a search space of
 * categorical parameters, a lookup, and the two reference values of the protocol's regret.
 */
export interface BlackBoxTask {
  name: string;
  parameters: ParametersSpec;
  evaluate(params: Params): Evaluation;
  /** Best feasible value in the table and the reference (median) value. */
  yStar: number;
  yRef: number;
}

/** The protocol's checkpoints for the evaluation-count suites. */
export const evalCheckpoints = [10, 25, 50, 100] as const;

export interface ReplayResult {
  /** Best feasible score after i + 1 evaluations (undefined while nothing feasible was found). */
  bestAfter: (number | undefined)[];
  regrets: number[];
  /** Distinct configurations evaluated (repeats cost budget too). */
  distinct: number;
  feasible: number;
}

/** (y* - best) / (y* - y_ref); 1.0 while nothing feasible was found. Not clipped. */
export function normalizedRegret(best: number | undefined, yStar: number, yRef: number): number {
  return best === undefined ? 1 : (yStar - best) / (yStar - yRef);
}

/**
 * One run of the protocol's black-box loop: `budget` sequential evaluations, one worker, no
 * time. Suggestion i gets its own generator seeded with (seed, i), as in the lcbench simulator;
 * repeated configurations are evaluated again and cost budget.
 */
export function replayBlackBox(
  task: BlackBoxTask,
  sampler: Sampler,
  seed: number,
  budget = 100,
  checkpoints: readonly number[] = evalCheckpoints,
): ReplayResult {
  const space = new SearchSpace(task.parameters);
  const observations: Observation[] = [];
  const cache = new Map<string, unknown>();
  const bestAfter: (number | undefined)[] = [];
  const seen = new Set<string>();
  let best: number | undefined;
  let feasible = 0;
  for (let i = 0; i < budget; i++) {
    const params = sampler.suggest({
      space,
      observations,
      pending: [],
      maxResource: 1,
      index: i,
      rng: createRng(deriveSeed(seed, i)),
      seed,
      cache,
    });
    const e = task.evaluate(params);
    seen.add(JSON.stringify(Object.entries(params).sort()));
    observations.push({ params, score: e.score, resource: 1, feasible: e.feasible, violation: e.violation, metrics: e.metrics });
    if (e.feasible) {
      feasible++;
      best = best === undefined ? e.score : Math.max(best, e.score);
    }
    bestAfter.push(best);
  }
  return {
    bestAfter,
    regrets: checkpoints.map((n) => normalizedRegret(bestAfter[n - 1], task.yStar, task.yRef)),
    distinct: seen.size,
    feasible,
  };
}
