import { describe, expect, it } from 'vitest';
import { useDynalite } from '../support/dynalite.js';
import { property } from './support/concurrent.js';
import { studySpec } from './support/world.js';

/** Concurrent deliveries in seeded interleavings on DynamoDB (dynalite): see support/concurrent.ts. */
describe('concurrent deliveries against dynalite', () => {
  const local = useDynalite();
  const dynamoStore = async () => local.store(await local.freshTable('interleave'));

  it('dozens of concurrent callers on one rung: ends as the sequential run', async () => {
    const spec = studySpec({
      strategy: { sampler: 'random', scheduler: { type: 'successive_halving', min: 1, max: 3, eta: 3 }, seed: 9 },
      limits: { maxTrials: 9, parallelism: 9, maxFailedTrials: 9, maxCostUsd: 500 },
    });
    expect((await property(dynamoStore, spec, 10, true)).found).toEqual([]);
  });
});
