import { describe, expect, it } from 'vitest';
import { createRng } from '../../../shared/rng.js';
import { gpSampler } from '../../../shared/samplers/gp-sampler.js';
import type { Observation, Sampler } from '../../../shared/samplers/sampler.js';
import { tpeSampler } from '../../../shared/samplers/tpe.js';
import { SearchSpace } from '../../../shared/space/space.js';

describe('TPE and GP-BO under constraints', () => {
  // The objective grows with x, but only x <= 0.4 is feasible: the best feasible region is just below 0.4.
  const space = new SearchSpace({ x: { type: 'float', min: 0, max: 1, scale: 'linear' } });
  const observations: Observation[] = Array.from({ length: 40 }, (_, i) => {
    const x = (i + 0.5) / 40;
    return { params: { x }, score: x, resource: 1, feasible: x <= 0.4, violation: x - 0.4 };
  });
  const suggest = (sampler: Sampler, obs: Observation[], n: number) =>
    Array.from(
      { length: n },
      (_, index) =>
        sampler.suggest({ space, observations: obs, pending: [], maxResource: 1, index, rng: createRng(300 + index) }).x as number,
    );
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const unconstrained = observations.map(({ feasible: _f, violation: _v, ...o }) => o);

  for (const [name, sampler, n] of [
    ['tpe', tpeSampler({ randomFraction: 0 }), 60],
    ['bo', gpSampler(), 12],
  ] as const) {
    it(`${name} models feasibility: its suggestions crowd the best feasible region, not the infeasible optimum`, () => {
      // Act
      const constrained = suggest(sampler, observations, n);
      const free = suggest(sampler, unconstrained, n);

      // Assess: without the constraint it goes for x near 1; with it, near 0.4 and mostly feasible.
      expect(median(free)).toBeGreaterThan(0.85);
      expect(median(constrained)).toBeGreaterThan(0.25);
      expect(median(constrained)).toBeLessThan(0.45);
      expect(constrained.filter((x) => x <= 0.4).length).toBeGreaterThan(0.6 * constrained.length);
    });
  }
});
