import { randomSampler } from './random.js';
import type { Sampler } from './sampler.js';

/** Every sampler a study spec can name (`strategy.sampler`). */
export const samplers: Record<string, Sampler> = {
  random: randomSampler,
};

export function samplerFor(name: string): Sampler {
  const s = samplers[name];
  if (!s) throw new Error(`unknown sampler ${name}`);
  return s;
}
