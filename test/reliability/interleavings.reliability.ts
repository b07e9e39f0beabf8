import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../shared/store/memory.js';
import { property } from './support/concurrent.js';
import { studySpec } from './support/world.js';

/** Concurrent deliveries in seeded interleavings on the in-memory store: see support/concurrent.ts. */
describe('concurrent deliveries in any interleaving (in memory)', () => {
  it('Hyperband study: every interleaving ends as the sequential run', async () => {
    expect((await property(async () => new MemoryStore(), studySpec(), 150, true)).found).toEqual([]);
  });

  it('successive halving with all trials at once: every interleaving ends as the sequential run', async () => {
    const spec = studySpec({
      strategy: { sampler: 'random', scheduler: { type: 'successive_halving', min: 1, max: 3, eta: 3 }, seed: 5 },
      limits: { maxTrials: 6, parallelism: 6, maxFailedTrials: 6, maxCostUsd: 500 },
    });
    expect((await property(async () => new MemoryStore(), spec, 700, true)).found).toEqual([]);
  });

  it('a tight dollar budget holds in every interleaving (up to the overrun of running jobs)', async () => {
    const spec = studySpec({ limits: { maxTrials: 12, parallelism: 12, maxFailedTrials: 12, maxCostUsd: 0.12 } });
    const result = await property(async () => new MemoryStore(), spec, 200, false);
    expect(result.found).toEqual([]);
    // The budget did bind: jobs were refused in every run.
    expect(result.exhausted).toBe(result.runs);
  });
});
