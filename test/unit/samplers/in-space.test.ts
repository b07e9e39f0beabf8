import { describe, expect, it } from 'vitest';
import { createRng } from '../../../shared/rng.js';
import { samplers } from '../../../shared/samplers/registry.js';
import { mixedSpace, observations, request } from './fixtures.js';

describe('every registered sampler', () => {
  for (const [name, sampler] of Object.entries(samplers)) {
    it(`${name} returns configurations of the space that respect conditions`, () => {
      // Prepare: enough results for the model-based samplers to leave their initial design.
      const obs = observations(mixedSpace, 24);
      // Act
      const configs = Array.from({ length: 6 }, (_, i) =>
        sampler.suggest(request(mixedSpace, { observations: obs, pending: [obs[0].params], index: 24 + i, rng: createRng(i) })),
      );
      // Assess: no problems (required present, inactive absent, ints integral, values allowed).
      for (const c of configs) {
        expect(mixedSpace.problems(c)).toEqual([]);
        expect('momentum' in c).toBe(c.optimizer === 'sgd');
      }
    });
  }

  it('the initial design (no results yet) is valid too', () => {
    // Act / Assess
    for (const sampler of Object.values(samplers)) {
      for (let i = 0; i < 4; i++) expect(mixedSpace.problems(sampler.suggest(request(mixedSpace, { index: i })))).toEqual([]);
    }
  });
});
