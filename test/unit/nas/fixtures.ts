import { createRng, deriveSeed } from '../../../shared/rng.js';
import type { Observation, Sampler } from '../../../shared/samplers/sampler.js';
import type { Params } from '../../../shared/space/schema.js';
import { SearchSpace } from '../../../shared/space/space.js';

/** A small cell space: four edges, four operations each (256 architectures). */
export const cellSpace = new SearchSpace(
  Object.fromEntries(
    ['e0', 'e1', 'e2', 'e3'].map((e) => [e, { type: 'categorical' as const, values: ['none', 'skip', 'conv1', 'conv3'] }]),
  ),
);

/** Additive toy accuracy: conv3 best on every edge, none worst. */
export function cellScore(p: Params): number {
  const w: Record<string, number> = { none: 0, skip: 1, conv1: 2, conv3: 3 };
  return ['e0', 'e1', 'e2', 'e3'].reduce((s, e, i) => s + w[String(p[e])] * (i + 1), 0);
}

/** Runs a sampler for `n` sequential evaluations of `evaluate`, as the bench does. */
export function run(
  sampler: Sampler,
  space: SearchSpace,
  n: number,
  evaluate: (p: Params) => Omit<Observation, 'params' | 'resource'>,
  seed = 1,
): Observation[] {
  const observations: Observation[] = [];
  const cache = new Map<string, unknown>();
  for (let i = 0; i < n; i++) {
    const params = sampler.suggest({
      space,
      observations,
      pending: [],
      maxResource: 1,
      index: i,
      rng: createRng(deriveSeed(seed, i)),
      seed,
      cache,
    });
    observations.push({ params, resource: 1, ...evaluate(params) });
  }
  return observations;
}
