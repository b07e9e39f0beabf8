import { randomSampler } from '../shared/samplers/random.js';
import type { Sampler } from '../shared/samplers/sampler.js';
import { gpSampler } from '../shared/samplers/gp-sampler.js';
import { sobolSampler } from '../shared/samplers/sobol.js';
import { tpeSampler } from '../shared/samplers/tpe.js';
import { ashaScheduler } from '../shared/schedulers/asha.js';
import { fifoScheduler } from '../shared/schedulers/fifo.js';
import { samplerFor } from '../shared/samplers/registry.js';
import { defaultAshaMin, studySpecSchema } from '../shared/study/spec.js';
import { bracketResource, halvingBracket, type HalvingGeometry } from '../shared/schedulers/brackets.js';
import { syncHalvingScheduler } from '../shared/schedulers/hyperband.js';
import type { Scheduler } from '../shared/schedulers/scheduler.js';

/** A benchmark method: a scheduler (how much each trial gets) composed with a sampler (what to try). */
export interface Method {
  name: string;
  description: string;
  /** `budget`: the run's compute (the synchronous methods size their maxTrials by it). */
  scheduler(maxResource: number, budget: RunBudget): Scheduler;
  sampler: Sampler;
  /** The same method with other sampler options (bench experiments). */
  samplerWith?(o: Record<string, number>): Sampler;
  /** The same method with another rung geometry (multi-fidelity methods only). */
  geometry?(g: { min?: number; eta?: number }, maxResource: number, budget: RunBudget): Scheduler;
}

/** What a method knows of a run before it starts: the protocol's budget, nothing about results. */
export interface RunBudget {
  workers: number;
  /** T, simulated seconds. */
  seconds: number;
  /** Median over the task's rows of the cumulative seconds to train to `epoch` (0 at 0). */
  medianTimeAt(epoch: number): number;
}

type Geometry = { min?: number; eta?: number };
const asha = (type: 'promotion' | 'stopping', eta = 3, min = 1) => ({
  scheduler: (max: number) => ashaScheduler({ type, eta, minResource: min, maxResource: max }),
  geometry: (g: Geometry, max: number) => ashaScheduler({ type, eta: g.eta ?? eta, minResource: g.min ?? min, maxResource: max }),
});
/**
 * limits.maxTrials of the benchmark's synchronous studies. A study of successive halving is one
 * bracket of maxTrials trials and Hyperband's plan ends at maxTrials (shared/schedulers/brackets.ts),
 * so the benchmark has to choose one, as a user does. It is the largest maxTrials whose plan fits
 * the protocol's compute, W workers for T (= 20 median full trainings each), each trial-rung costing
 * the task's median time of its new epochs (epoch 1 carries the start-up: ~5% of a full training,
 * not 1/52). It depends on the geometry and the budget only, never on a result; it leaves out the
 * workers the barriers keep idle, so such a plan may not finish by T, as such a study would not.
 * (Sized in epochs instead, 20 * W * max, as a linear cost forecast would, successive halving got
 * 1,268 trials for min 1, max 52, eta 3, W 4, and on most tasks never left its epoch-1 rung.)
 */
export function protocolMaxTrials(g: HalvingGeometry, budget: RunBudget): number {
  const compute = budget.workers * budget.seconds;
  const cost = (n: number) => {
    let sum = 0;
    for (let b = 0, bracket = halvingBracket(g, 0, n); bracket; bracket = halvingBracket(g, ++b, n))
      sum += bracketResource(bracket, budget.medianTimeAt);
    return sum;
  };
  // cost(n) grows with n and every trial costs at least the time to min: search below compute / that.
  let lo = 1;
  let hi = Math.floor(compute / budget.medianTimeAt(g.min)) + 1;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (cost(mid) <= compute) lo = mid;
    else hi = mid;
  }
  return lo;
}

const sync = (type: 'successive_halving' | 'hyperband', eta = 3, min = 1) => {
  const make = (g: Geometry, max: number, budget: RunBudget) => {
    const geometry = { type, eta: g.eta ?? eta, min: g.min ?? min, max };
    const maxTrials = protocolMaxTrials(geometry, budget);
    return syncHalvingScheduler({ type, eta: geometry.eta, minResource: geometry.min, maxResource: max, maxTrials });
  };
  return { scheduler: (max: number, budget: RunBudget) => make({}, max, budget), geometry: make };
};

const defaultSampler = studySpecSchema.in.shape.strategy.parse(undefined).sampler;

const methods: Method[] = [
  {
    // Exactly what a study gets from `scheduler: { type: asha, max }` and the spec's default sampler.
    name: 'default',
    description:
      "rung's default multi-fidelity strategy: ASHA promotion (min = max/16, i.e. 3 of 52; eta 3; resume from checkpoints) + multi-fidelity TPE",
    scheduler: (max: number) => ashaScheduler({ type: 'promotion', eta: 3, minResource: defaultAshaMin(max), maxResource: max }),
    geometry: (g: Geometry, max: number) =>
      ashaScheduler({ type: 'promotion', eta: g.eta ?? 3, minResource: g.min ?? defaultAshaMin(max), maxResource: max }),
    sampler: samplerFor(defaultSampler),
    samplerWith: (o) => tpeSampler(o),
  },
  { name: 'random', description: 'random search, every trial to the full budget', scheduler: fifoScheduler, sampler: randomSampler },
  {
    name: 'random-asha-m3',
    description: 'random + ASHA promotion with min 3, eta 3 (the default geometry without a model)',
    ...asha('promotion', 3, 3),
    sampler: randomSampler,
  },
  {
    name: 'random-asha',
    description: 'random + ASHA (promotion: pause at rungs 1,3,9,27, resume from checkpoint), eta 3',
    ...asha('promotion'),
    sampler: randomSampler,
  },
  {
    name: 'random-asha-stop',
    description: 'random + ASHA (stopping variant, as Optuna SuccessiveHalvingPruner), eta 3',
    ...asha('stopping'),
    sampler: randomSampler,
  },
  {
    name: 'random-sh',
    description: 'random + synchronous successive halving (min 1, eta 3) as a study runs it: one bracket of maxTrials (protocolMaxTrials)',
    ...sync('successive_halving'),
    sampler: randomSampler,
  },
  {
    name: 'random-hyperband',
    description:
      'random + synchronous Hyperband (min 1, eta 3) as a study runs it: brackets one at a time up to maxTrials (protocolMaxTrials)',
    ...sync('hyperband'),
    sampler: randomSampler,
  },
  {
    name: 'sobol',
    description: 'scrambled Sobol sequence, every trial to the full budget',
    scheduler: fifoScheduler,
    sampler: sobolSampler,
  },
  {
    name: 'tpe',
    description: 'multivariate TPE (Sobol start), every trial to the full budget',
    scheduler: fifoScheduler,
    sampler: tpeSampler(),
    samplerWith: (o) => tpeSampler(o),
  },
  {
    name: 'tpe-asha',
    description: 'ASHA promotion (min 1, eta 3, as Optuna) + TPE on the highest rung with enough results',
    ...asha('promotion'),
    sampler: tpeSampler(),
    samplerWith: (o) => tpeSampler(o),
  },
  {
    name: 'bohb',
    description: 'synchronous Hyperband (min 1, eta 3) + TPE on the highest rung with enough results (BOHB)',
    ...sync('hyperband'),
    sampler: tpeSampler(),
    samplerWith: (o) => tpeSampler(o),
  },
  {
    name: 'bo',
    description: 'GP-BO (Matern 5/2 ARD, log-EI, Sobol start), every trial to the full budget',
    scheduler: fifoScheduler,
    sampler: gpSampler(),
    samplerWith: (o) => gpSampler(o),
  },
  {
    name: 'bo-asha',
    description: 'ASHA promotion (min 3, eta 3) + multi-fidelity GP over (config, log resource), MOBSTER-like',
    ...asha('promotion', 3, 3),
    sampler: gpSampler(),
    samplerWith: (o) => gpSampler(o),
  },
];

export function listMethods(): Method[] {
  return methods;
}

/**
 * A method by name. `NAME:min=3,eta=4` overrides the rung geometry of a multi-fidelity method
 * (for tuning studies of the method itself; the table in BENCHMARKS.md uses plain names).
 */
export function methodFor(spec: string): Method {
  const [name, overrides] = spec.split(':');
  const m = methods.find((x) => x.name === name);
  if (!m) throw new Error(`unknown method ${name}; --method list shows them`);
  if (!overrides) return m;
  const o = Object.fromEntries(
    overrides
      .split(',')
      .map((kv) => kv.split('='))
      .map(([k, v]) => [k, Number(v)]),
  );
  const samplerKeys: Record<string, string> = {
    bw: 'minBandwidth',
    rf: 'randomFraction',
    gamma: 'gamma',
    bf: 'bandwidthFactor',
    nc: 'candidates',
    mp: 'minPoints',
    np: 'maxPoints',
  };
  for (const [k, v] of Object.entries(o))
    if (!['min', 'eta', ...Object.keys(samplerKeys)].includes(k) || !Number.isFinite(v)) throw new Error(`bad override ${k}=${v}`);
  const so = Object.fromEntries(
    Object.entries(o)
      .filter(([k]) => k in samplerKeys)
      .map(([k, v]) => [samplerKeys[k], v]),
  );
  return {
    ...m,
    name: spec,
    sampler: Object.keys(so).length && m.samplerWith ? m.samplerWith(so) : m.sampler,
    scheduler: (max, budget) => m.geometry?.({ min: o.min, eta: o.eta }, max, budget) ?? m.scheduler(max, budget),
  };
}
