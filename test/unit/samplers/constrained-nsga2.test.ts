import { describe, expect, it } from 'vitest';
import { createRng } from '../../../shared/rng.js';
import { nsga2Sampler } from '../../../shared/samplers/multi-objective.js';
import type { Observation } from '../../../shared/samplers/sampler.js';
import { SearchSpace } from '../../../shared/space/space.js';

describe('NSGA-II under constraints', () => {
  it('breeds from feasible configurations, even when infeasible ones dominate them', () => {
    // Prepare: 10 feasible points (x < 0.5) and 10 infeasible ones (x > 0.5) with better objectives.
    const space = new SearchSpace({
      x: { type: 'float', min: 0, max: 1, scale: 'linear' },
      y: { type: 'float', min: 0, max: 1, scale: 'linear' },
    });
    const rng = createRng(1);
    const observations: Observation[] = Array.from({ length: 20 }, (_, i) => {
      const feasible = i < 10;
      const x = feasible ? 0.05 * rng.next() + 0.4 * (i / 10) : 0.6 + 0.4 * rng.next();
      const y = rng.next();
      const objectives = [x + (feasible ? 0 : 1), y + (feasible ? 0 : 1)];
      return { params: { x, y }, score: objectives[0], resource: 1, objectives, feasible, violation: feasible ? -0.1 : x - 0.5 };
    });
    const sampler = nsga2Sampler({ population: 5, initial: 10 });
    const kept = (value: number, name: 'x' | 'y', feasible: boolean) =>
      observations.some((o) => o.feasible === feasible && o.params[name] === value);
    // Act
    const suggestions = Array.from({ length: 40 }, (_, index) =>
      sampler.suggest({ space, observations, pending: [], maxResource: 1, index, rng: createRng(100 + index) }),
    );
    // Assess: a mutation changes one parameter, so the other is a parent's; every parent is feasible.
    for (const s of suggestions) {
      const x = s.x as number;
      const y = s.y as number;
      expect(kept(x, 'x', true) || kept(y, 'y', true)).toBe(true);
      expect(kept(x, 'x', false) || kept(y, 'y', false)).toBe(false);
    }
  });
});
