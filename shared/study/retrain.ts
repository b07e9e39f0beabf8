import { configKey } from '../samplers/arch.js';
import type { Bracket } from '../schedulers/brackets.js';
import type { Params, ParamValue } from '../space/schema.js';
import { orient } from './best.js';
import type { Measurement, Study, Trial } from './types.js';

// The spec's part and the plan's record live apart (retrain-schema.ts, types.ts), so that parsing a spec loads no sampler.
export { candidateSchema, candidatesSchema, retrainSchema, sweepSize, type Candidate, type RetrainSpec } from './retrain-schema.js';
export type { RetrainPlan } from './types.js';

/**
 * The retraining phase of a study (NAS always ends with it): once the search is over, the top-k
 * architectures are trained again from scratch with the full budget, as jobs of the same
 * workflow, and the study's answer is the best of those. The candidates are either the search's
 * best trials (black-box NAS, compound scaling) or what the search jobs reported (a one-shot
 * supernet's top-k sub-architectures, a DARTS genotype).
 */

/**
 * The retraining trials run as one more bracket of the BracketMachine with one rung at
 * `retrain.max`; its index is far above any bracket the search plans.
 */
export const RETRAIN_BRACKET = 100_000;

export function isRetrainTrial(trial: Pick<Trial, 'phase'>): boolean {
  return trial.phase === 'retrain';
}

/** The search's trials: samplers, schedulers, lanes and explanations never see the retraining ones. */
export function searchTrials<T extends Pick<Trial, 'phase'>>(trials: T[]): T[] {
  return trials.filter((t) => !isRetrainTrial(t));
}

export function retrainBracket(study: Study): Bracket | undefined {
  const spec = study.spec.retrain;
  if (!spec || !study.retrain) return undefined;
  return { index: RETRAIN_BRACKET, firstTrial: study.retrain.firstTrial, rungs: [{ resource: spec.max, trials: study.retrain.trials }] };
}

/** One retraining configuration and where it came from. */
export interface RetrainConfig {
  params: Params;
  /** The search trial it comes from. */
  source: string;
}

/**
 * The configurations to retrain, best first: the top-k distinct candidates, each crossed with
 * every combination of `sweep`. Pure and deterministic, so a retried planning step finds the same.
 */
export function retrainConfigs(study: Study, trials: Trial[], lastMeasurements: Map<string, Measurement | undefined>): RetrainConfig[] {
  const spec = study.spec.retrain;
  if (!spec) return [];
  const { goal, metric } = study.spec.objective;
  const measured = searchTrials(trials).filter(
    (t) => t.value !== undefined && Number.isFinite(t.value) && t.state !== 'FAILED' && t.state !== 'INFEASIBLE' && t.feasible !== false,
  );
  // As the study's best: the trials trained furthest first (a value after 1 epoch does not compare
  // with one after 27), so the top-k of successive halving are its finalist and the next rung's best.
  const ranked: { params: Params; score: number; resource: number; source: Trial }[] =
    spec.from === 'trials'
      ? measured.map((t) => ({ params: t.params, score: orient(goal, t.value!), resource: t.resource, source: t }))
      : measured
          .filter((t) => t.state === 'COMPLETE')
          .flatMap((t) =>
            (lastMeasurements.get(t.trialId)?.candidates ?? []).map((c) => ({
              params: c.params,
              // A candidate without the objective ranks after every measured one.
              score: Number.isFinite(c.metrics[metric]) ? orient(goal, c.metrics[metric]) : -Infinity,
              resource: 0,
              source: t,
            })),
          );
  ranked.sort((a, b) => b.resource - a.resource || b.score - a.score || a.source.number - b.source.number);
  const top: typeof ranked = [];
  const seen = new Set<string>();
  for (const r of ranked) {
    const key = configKey(r.params);
    if (seen.has(key)) continue;
    seen.add(key);
    top.push(r);
    if (top.length === spec.topK) break;
  }
  const combos = sweepCombinations(spec.sweep);
  return top.flatMap((r) => combos.map((combo) => ({ params: { ...spec.parameters, ...r.params, ...combo }, source: r.source.trialId })));
}

/** Every combination of the sweep's values, in the order written (one empty combination without a sweep). */
export function sweepCombinations(sweep: Record<string, ParamValue[]>): Params[] {
  let combos: Params[] = [{}];
  for (const [name, values] of Object.entries(sweep)) combos = combos.flatMap((c) => values.map((v) => ({ ...c, [name]: v })));
  return combos;
}
