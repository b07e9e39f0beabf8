import { gpSampler } from './gp-sampler.js';
import { gridSampler } from './grid.js';
import { multiObjectiveSamplers, nasSamplers } from './registry-nas.js';
import { randomSampler } from './random.js';
import type { Sampler } from './sampler.js';
import { sobolSampler } from './sobol.js';
import { tpeSampler } from './tpe.js';

/** Every sampler a study spec can name (`strategy.sampler`). */
export const samplers: Record<string, Sampler> = {
  random: randomSampler,
  sobol: sobolSampler,
  grid: gridSampler,
  tpe: tpeSampler(),
  bo: gpSampler(),
  // Architecture search (evolution, rl, arch-bo) and multi-objective (nsga2, parego) samplers.
  ...nasSamplers,
  ...multiObjectiveSamplers,
};

export function samplerFor(name: string): Sampler {
  const s = samplers[name];
  if (!s) throw new Error(`unknown sampler ${name}`);
  return s;
}
