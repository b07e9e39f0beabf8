import { archBoSampler } from '../shared/samplers/arch-bo.js';
import { evolutionSampler } from '../shared/samplers/evolution.js';
import { samplerFor } from '../shared/samplers/registry.js';
import { gpSampler } from '../shared/samplers/gp-sampler.js';
import { randomSampler } from '../shared/samplers/random.js';
import { reinforceSampler } from '../shared/samplers/reinforce.js';
import type { Sampler } from '../shared/samplers/sampler.js';
import { tpeSampler } from '../shared/samplers/tpe.js';

/** A black-box method of the NAS suites (nb201, nasgraph-latency): a sampler, one worker, no scheduler. */
export interface NasMethod {
  name: string;
  description: string;
  sampler: Sampler;
  /** The same method with other sampler options (`NAME:key=value,...`, bench experiments). */
  samplerWith?(o: Record<string, number>): Sampler;
}

const nasMethods: NasMethod[] = [
  {
    name: 'default',
    // What a study gets from `sampler: arch-bo` (the registry's instance).
    description: "rung's default NAS method: arch-bo (GP with a categorical kernel, 5 random starts, EI x P(feasible), no repeats)",
    sampler: samplerFor('arch-bo'),
    samplerWith: (o) => archBoSampler(o),
  },
  { name: 'random', description: 'uniform random architectures (repeats possible, as Optuna RandomSampler)', sampler: randomSampler },
  {
    name: 'evolution',
    description: 'regularized (aging) evolution, P 20, S 5, one mutation, no repeats',
    sampler: evolutionSampler(),
    samplerWith: (o) => evolutionSampler(o),
  },
  {
    name: 'rl',
    description: 'REINFORCE controller (softmax per decision, EMA baseline, replayed from history), no repeats',
    sampler: reinforceSampler(),
    samplerWith: (o) => reinforceSampler(o),
  },
  {
    name: 'arch-bo',
    description: 'GP-BO with a categorical (Hamming) kernel, EI x P(feasible), no repeats',
    sampler: archBoSampler(),
    samplerWith: (o) => archBoSampler(o),
  },
  {
    name: 'tpe',
    description: "rung's multivariate TPE (Sobol start), constraints ignored",
    sampler: tpeSampler(),
    samplerWith: (o) => tpeSampler(o),
  },
  { name: 'bo', description: "rung's GP-BO (Matern 5/2 on one-hot), constraints ignored", sampler: gpSampler() },
];

export function listNasMethods(): NasMethod[] {
  return nasMethods;
}

const optionKeys: Record<string, string> = {
  P: 'population',
  S: 'sample',
  lr: 'learningRate',
  bd: 'baselineDecay',
  init: 'initial',
  nc: 'candidates',
  nb: 'neighbourhoodOf',
  en: 'enumerateUpTo',
  np: 'maxPoints',
  rf: 'randomFraction',
  gamma: 'gamma',
  bw: 'minBandwidth',
};

/** A NAS method by name; `NAME:key=value,...` overrides sampler options (keys above). */
export function nasMethodFor(spec: string): NasMethod {
  const [name, overrides] = spec.split(':');
  const m = nasMethods.find((x) => x.name === name);
  if (!m) throw new Error(`unknown NAS method ${name}; --method list shows them`);
  if (!overrides) return m;
  if (!m.samplerWith) throw new Error(`method ${name} takes no options`);
  const o: Record<string, number> = {};
  for (const [k, v] of overrides.split(',').map((kv) => kv.split('='))) {
    if (!(k in optionKeys) || !Number.isFinite(Number(v))) throw new Error(`bad override ${k}=${v}`);
    o[optionKeys[k]] = Number(v);
  }
  return { ...m, name: spec, sampler: m.samplerWith(o) };
}
