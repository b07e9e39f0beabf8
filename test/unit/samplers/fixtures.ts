import { createRng } from '../../../shared/rng.js';
import type { Observation, SuggestRequest } from '../../../shared/samplers/sampler.js';
import { SearchSpace } from '../../../shared/space/space.js';

/** A space with every parameter kind and a conditional parameter (momentum only under sgd). */
export const mixedSpace = new SearchSpace({
  lr: { type: 'float', min: 1e-4, max: 1e-1, scale: 'log' },
  layers: { type: 'int', min: 1, max: 5, scale: 'linear' },
  batch: { type: 'ordinal', values: [32, 64, 128, 256] },
  optimizer: { type: 'categorical', values: ['sgd', 'adamw'] },
  momentum: { type: 'float', min: 0.8, max: 0.99, scale: 'linear', when: { optimizer: 'sgd' } },
});

/** `n` random configurations with a smooth score (best: lr near 1e-2, sgd, many layers). */
export function observations(space: SearchSpace, n: number, seed = 1, resource = 10): Observation[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => {
    const params = space.sample(rng);
    const lr = Math.log10(Number(params.lr));
    const score = -((lr + 2) ** 2) + Number(params.layers) * 0.1 + (params.optimizer === 'sgd' ? 0.5 : 0);
    return { params, score, resource };
  });
}

export function request(space: SearchSpace, partial: Partial<SuggestRequest> = {}): SuggestRequest {
  return { space, observations: [], pending: [], maxResource: 10, index: 0, rng: createRng(3), seed: 11, ...partial };
}
