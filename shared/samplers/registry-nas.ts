import { archBoSampler } from './arch-bo.js';
import { evolutionSampler } from './evolution.js';
import { nsga2Sampler, paregoSampler } from './multi-objective.js';
import { reinforceSampler } from './reinforce.js';
import type { Sampler } from './sampler.js';

/** Architecture-search samplers (registered in registry.ts under these names). */
export const nasSamplers: Record<string, Sampler> = {
  evolution: evolutionSampler(),
  rl: reinforceSampler(),
  'arch-bo': archBoSampler(),
};

/** Multi-objective samplers: they read `objectives` of each observation (larger is better). */
export const multiObjectiveSamplers: Record<string, Sampler> = {
  nsga2: nsga2Sampler(),
  parego: paregoSampler({ initial: 10, candidates: 500 }),
};
