import { describe, expect, it } from 'vitest';
import { gridSampler } from '../../../shared/samplers/grid.js';
import { SearchSpace } from '../../../shared/space/space.js';
import { request } from './fixtures.js';

describe('grid sampler', () => {
  const space = new SearchSpace({
    opt: { type: 'categorical', values: ['sgd', 'adam'] },
    momentum: { type: 'float', min: 0, max: 1, scale: 'linear', when: { opt: 'sgd' } },
  });

  it('enumerates each distinct configuration once, folding points that differ only in inactive parameters', () => {
    // Prepare: 2 optimizers x 5 momentum levels, but momentum exists only under sgd: 6 configurations.
    const seen: Record<string, string | number | boolean>[] = [];
    // Act
    for (let i = 0; i < 6; i++) seen.push(gridSampler.suggest(request(space, { index: i, pending: [...seen] })));
    // Assess
    expect(new Set(seen.map((p) => JSON.stringify(p))).size).toBe(6);
    expect(seen.filter((p) => p.opt === 'adam')).toEqual([{ opt: 'adam' }]);
    expect(
      seen
        .filter((p) => p.opt === 'sgd')
        .map((p) => p.momentum)
        .sort(),
    ).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });
});
