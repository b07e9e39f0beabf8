import type { Sampler } from './sampler.js';

export const randomSampler: Sampler = {
  name: 'random',
  suggest: ({ space, rng }) => space.sample(rng),
};
