import * as z from 'zod';
import type { Rng } from '../rng.js';
import type { Params } from '../space/schema.js';
import { isChoice, type SearchSpace } from '../space/space.js';
import { takenKeys, untaken } from './arch.js';
import { isFeasible } from './constrained.js';
import type { Observation, Sampler, SamplerState, SuggestRequest } from './sampler.js';

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
 * Everything the replay carries from one observation to the next, so that a stored state resumes
 * it exactly: advancing a stored state over new observations performs the same floating-point
 * operations in the same order as a replay from uniform logits, so the two agree bit for bit.
 */
export interface ReinforceState {
  policy: Policy;
  /** Exponential moving average of past rewards; undefined before the first observation. */
  baseline: number | undefined;
  /** Policy updates applied (observations whose advantage was not zero). */
  updates: number;
  /** Welford statistics of the feasible scores so far (the rewards' standardization). */
  count: number;
  mean: number;
  m2: number;
  /** The worst reward so far (an infeasible result is rewarded one below it). */
  worst: number;
  /** Observations consumed: the first `consumed` of the history, in the order observed. */
  consumed: number;
  /**
   * Two 32-bit hash lanes over what the updates read of the consumed observations (each decision's
   * action, the score, feasibility), in order. An advance recomputes them over the same prefix of
   * the history it is given (hashing, no softmax): a prefix that differs (a result that arrived
   * late, a feasibility that changed) is replayed from scratch. Constant size however long the
   * study, so the stored state stays far below DynamoDB's item limit.
   */
  digest: [number, number];
}

/**
 * A REINFORCE policy-gradient controller (Williams 1992; Zoph & Le 2017, with an independent
 * softmax per decision instead of an RNN): the policy follows from the observation history
 * replayed in order from uniform logits, with a fixed schedule: the reward is the score
 * standardized by the mean and sd of the results before it (infeasible or unmeasured results get
 * the worst standardized reward so far minus one), the baseline an exponential moving average of
 * past rewards, and each update theta += lr * (r - b) * grad log pi(action).
 *
 * A study keeps the replay's state in the store between calls (`state`, shared/study/observed.ts),
 * so a Suggest call applies only the results observed since the last one; `suggest` without a
 * state replays the whole history, with the same result.
 */
export function reinforceSampler(options: Partial<ReinforceOptions> = {}, name = 'rl'): Sampler {
  const o = { ...defaultReinforceOptions, ...options };
  const state: SamplerState<ReinforceState> = {
    // The options change every update: a state made under other options must be replayed.
    format: `reinforce/1 lr=${o.learningRate} bd=${o.baselineDecay} bins=${o.numericBins}`,
    advance: (from, space, observations) => {
      const resumed = from !== undefined && isPrefixOf(from, space, observations, o.numericBins);
      return { state: continueFrom(resumed ? from : undefined, space, observations, o), resumed };
    },
    consumed: (s) => s.consumed,
    suggest: (req, s) => untaken(() => samplePolicy(req.space, s.policy, req.rng, o.numericBins), takenKeys(req), req.space, req.rng),
    encode: (s) => encodeReinforce(s, state.format),
    decode: (text, space) => decodeReinforce(text, space, state.format, o.numericBins),
  };
  return {
    name,
    state,
    suggest: (req: SuggestRequest): Params => state.suggest(req, state.advance(undefined, req.space, req.observations).state),
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

/** The state before any observation: uniform logits. */
function initialState(space: SearchSpace, o: ReinforceOptions): ReinforceState {
  const policy: Policy = new Map(space.names.map((n) => [n, new Float64Array(arity(space, n, o.numericBins))]));
  return {
    policy,
    baseline: undefined,
    updates: 0,
    count: 0,
    mean: 0,
    m2: 0,
    worst: 0,
    consumed: 0,
    digest: [digestSeeds[0], digestSeeds[1]],
  };
}

const digestSeeds = [0x811c9dc5, 0x9747b28c] as const;
// Scratch space to read a double's bits (no state survives a call).
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

function mix(h: number, x: number, multiplier: number): number {
  const m = Math.imul(h ^ x, multiplier);
  return (m ^ (m >>> 15)) >>> 0;
}

/** Feeds one observation's action (or -1 for a decision it lacks), score and feasibility to the digest. */
function hashInto(digest: [number, number], words: readonly number[]): void {
  for (const w of words) {
    digest[0] = mix(digest[0], w, 0x01000193);
    digest[1] = mix(digest[1], w, 0x85ebca6b);
  }
}

function wordsOf(obs: Observation, actions: readonly number[]): number[] {
  f64[0] = obs.score;
  return [isFeasible(obs) ? 1 : 2, u32[0], u32[1], ...actions.map((a) => a + 1)];
}

function actionsOf(space: SearchSpace, obs: Observation, bins: number): number[] {
  return space.names.map((name) => (name in obs.params ? actionIndex(space, name, obs.params[name], bins) : -1));
}

/** Whether `state` consumed exactly the first `state.consumed` of `history`. */
function isPrefixOf(state: ReinforceState, space: SearchSpace, history: readonly Observation[], bins: number): boolean {
  if (state.consumed > history.length) return false;
  const digest: [number, number] = [digestSeeds[0], digestSeeds[1]];
  for (let i = 0; i < state.consumed; i++) hashInto(digest, wordsOf(history[i], actionsOf(space, history[i], bins)));
  return digest[0] === state.digest[0] && digest[1] === state.digest[1];
}

/** Applies one observation's update to `s` (in place). */
function consume(s: ReinforceState, space: SearchSpace, obs: Observation, o: ReinforceOptions): void {
  const actions = actionsOf(space, obs, o.numericBins);
  hashInto(s.digest, wordsOf(obs, actions));
  s.consumed++;
  const ok = isFeasible(obs);
  // Standardize by the statistics of the results seen before this one.
  const sd = s.count > 1 ? Math.sqrt(s.m2 / (s.count - 1)) : 0;
  let reward: number;
  if (!ok) reward = s.worst - 1;
  else reward = sd > 0 ? (obs.score - s.mean) / sd : 0;
  if (ok) {
    s.count++;
    const d = obs.score - s.mean;
    s.mean += d / s.count;
    s.m2 += d * (obs.score - s.mean);
  }
  s.worst = Math.min(s.worst, reward);
  const advantage = s.baseline === undefined ? 0 : reward - s.baseline;
  s.baseline = s.baseline === undefined ? reward : o.baselineDecay * s.baseline + (1 - o.baselineDecay) * reward;
  if (advantage === 0) return;
  s.updates++;
  space.names.forEach((name, j) => {
    if (actions[j] < 0) return;
    const logits = s.policy.get(name)!;
    const p = softmax(logits);
    const a = actions[j];
    for (let v = 0; v < logits.length; v++) logits[v] += o.learningRate * advantage * ((v === a ? 1 : 0) - p[v]);
  });
}

/** Applies the observations after `from.consumed` to a copy of `from` (a state of their prefix), or all of them from uniform logits. */
function continueFrom(
  from: ReinforceState | undefined,
  space: SearchSpace,
  history: readonly Observation[],
  o: ReinforceOptions,
): ReinforceState {
  const s = from
    ? {
        ...from,
        policy: new Map([...from.policy].map(([n, l]) => [n, l.slice()])),
        digest: [from.digest[0], from.digest[1]] as [number, number],
      }
    : initialState(space, o);
  for (let i = s.consumed; i < history.length; i++) consume(s, space, history[i], o);
  return s;
}

/**
 * The state after every observation of `history`: from a copy of `from` when it consumed a
 * prefix of `history` (only the rest is applied), else replayed from uniform logits. Pure.
 */
export function advanceReinforce(
  from: ReinforceState | undefined,
  space: SearchSpace,
  history: readonly Observation[],
  o: ReinforceOptions = defaultReinforceOptions,
): ReinforceState {
  return continueFrom(from && isPrefixOf(from, space, history, o.numericBins) ? from : undefined, space, history, o);
}

/** The policy after replaying every update of the history (deterministic given the history). */
export function replayPolicy(space: SearchSpace, history: readonly Observation[], o: ReinforceOptions = defaultReinforceOptions): Policy {
  return advanceReinforce(undefined, space, history, o).policy;
}

function encodeReinforce(s: ReinforceState, format: string): string {
  return JSON.stringify({
    format,
    policy: Object.fromEntries([...s.policy].map(([n, l]) => [n, [...l]])),
    baseline: s.baseline ?? null,
    updates: s.updates,
    count: s.count,
    mean: s.mean,
    m2: s.m2,
    worst: s.worst,
    consumed: s.consumed,
    digest: s.digest,
  });
}

const natural = z.number().int().min(0);
const uint32 = z.number().int().min(0).max(0xffffffff);
// zod 4 numbers are finite: a state that overflowed does not decode, and is replayed.
const storedSchema = z.strictObject({
  format: z.string(),
  policy: z.record(z.string(), z.array(z.number())),
  baseline: z.number().nullable(),
  updates: natural,
  count: natural,
  mean: z.number(),
  m2: z.number(),
  worst: z.number(),
  consumed: natural,
  digest: z.tuple([uint32, uint32]),
});

function decodeReinforce(text: string, space: SearchSpace, format: string, bins: number): ReinforceState | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = storedSchema.safeParse(json);
  if (!parsed.success || parsed.data.format !== format) return undefined;
  const d = parsed.data;
  // The policy must have one vector of the right length per decision of this space.
  const names = Object.keys(d.policy);
  if (names.length !== space.names.length || space.names.some((n) => d.policy[n]?.length !== arity(space, n, bins))) return undefined;
  return {
    policy: new Map(space.names.map((n) => [n, Float64Array.from(d.policy[n])])),
    baseline: d.baseline ?? undefined,
    updates: d.updates,
    count: d.count,
    mean: d.mean,
    m2: d.m2,
    worst: d.worst,
    consumed: d.consumed,
    digest: d.digest,
  };
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
