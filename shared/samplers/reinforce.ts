import type { Rng } from '../rng.js';
import type { Params } from '../space/schema.js';
import { isChoice, type SearchSpace } from '../space/space.js';
import { takenKeys, untaken } from './arch.js';
import { isFeasible } from './constrained.js';
import type { Observation, Sampler, SuggestRequest } from './sampler.js';

export interface ReinforceOptions {
  /** Learning rate of the logit updates. */
  learningRate: number;
  /** Decay of the exponential moving-average baseline. */
  baselineDecay: number;
  /** Bins of a numeric parameter (the policy is categorical over them, uniform within a bin). */
  numericBins: number;
}

export const defaultReinforceOptions: ReinforceOptions = { learningRate: 0.6, baselineDecay: 0.8, numericBins: 10 };

/** The policy: one vector of logits per parameter. */
export type Policy = Map<string, Float64Array>;

/**
 * A REINFORCE policy-gradient controller (Williams 1992; Zoph & Le 2017, with an independent
 * softmax per decision instead of an RNN). Pure, no cache: every call replays the policy updates
 * over the observation history in order, from uniform logits, with a fixed schedule: the reward is
 * the score standardized by the mean and sd of the results before it (infeasible or unmeasured
 * results get the worst standardized reward so far minus one), the baseline an exponential moving
 * average of past rewards, and each update theta += lr * (r - b) * grad log pi(action). A replay
 * costs O(n * choices), far below a model fit, so no state needs to be stored between calls.
 */
export function reinforceSampler(options: Partial<ReinforceOptions> = {}, name = 'rl'): Sampler {
  const o = { ...defaultReinforceOptions, ...options };
  return {
    name,
    suggest(req: SuggestRequest): Params {
      const { space, rng } = req;
      const policy = replayPolicy(space, req.observations, o);
      return untaken(() => samplePolicy(space, policy, rng, o.numericBins), takenKeys(req), space, rng);
    },
  };
}

function arity(space: SearchSpace, name: string, bins: number): number {
  const s = space.spec(name);
  return isChoice(s) ? s.values.length : bins;
}

function actionIndex(space: SearchSpace, name: string, value: Params[string], bins: number): number {
  const s = space.spec(name);
  if (isChoice(s)) return space.toUnit(name, value);
  return Math.min(bins - 1, Math.max(0, Math.floor(space.toUnit(name, value) * bins)));
}

export function softmax(logits: Float64Array): Float64Array {
  const m = Math.max(...logits);
  const e = logits.map((l) => Math.exp(l - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

/** The policy after replaying every update of the history (deterministic given the history). */
export function replayPolicy(space: SearchSpace, history: readonly Observation[], o: ReinforceOptions = defaultReinforceOptions): Policy {
  const policy: Policy = new Map(space.names.map((n) => [n, new Float64Array(arity(space, n, o.numericBins))]));
  let baseline: number | undefined;
  let count = 0;
  let mean = 0;
  let m2 = 0;
  let worst = 0;
  for (const obs of history) {
    const ok = isFeasible(obs);
    // Standardize by the statistics of the results seen before this one.
    const sd = count > 1 ? Math.sqrt(m2 / (count - 1)) : 0;
    let reward: number;
    if (!ok) reward = worst - 1;
    else reward = sd > 0 ? (obs.score - mean) / sd : 0;
    if (ok) {
      count++;
      const d = obs.score - mean;
      mean += d / count;
      m2 += d * (obs.score - mean);
    }
    worst = Math.min(worst, reward);
    const advantage = baseline === undefined ? 0 : reward - baseline;
    baseline = baseline === undefined ? reward : o.baselineDecay * baseline + (1 - o.baselineDecay) * reward;
    if (advantage === 0) continue;
    for (const name of space.names) {
      if (!(name in obs.params)) continue;
      const logits = policy.get(name)!;
      const p = softmax(logits);
      const a = actionIndex(space, name, obs.params[name], o.numericBins);
      for (let v = 0; v < logits.length; v++) logits[v] += o.learningRate * advantage * ((v === a ? 1 : 0) - p[v]);
    }
  }
  return policy;
}

export function samplePolicy(space: SearchSpace, policy: Policy, rng: Rng, bins: number): Params {
  return space.build((name, spec) => {
    const p = softmax(policy.get(name)!);
    let u = rng.next();
    let a = p.length - 1;
    for (let v = 0; v < p.length; v++) {
      u -= p[v];
      if (u < 0) {
        a = v;
        break;
      }
    }
    return isChoice(spec) ? a : (a + rng.next()) / bins;
  });
}

/** Probability of each value of a parameter under the policy (for reports and tests). */
export function policyProbabilities(policy: Policy, name: string): number[] {
  return [...softmax(policy.get(name)!)];
}

export { arity as policyArity };
