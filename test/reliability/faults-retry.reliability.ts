import { describe, expect, it } from 'vitest';
import { writeMethods } from '../../shared/store/faulty.js';
import { reference, sweep } from './support/sweep.js';

/** Fault injection at every write, with the failed step retried (Step Functions Retry): see support/sweep.ts. */
describe('fault injection at every write point, steps retried', () => {
  it('a reference study writes through every write method of the store', async () => {
    const ref = await reference();
    const methods = new Set(ref.store.writes.map((w) => w.method));
    // Every write method but the replacement of an expired idempotency record (unit-tested on its own)
    // the sampler state, which only an rl study writes (faults-rl.reliability.ts), and the trial counter and
    // its worker grants, which only ask/tell suggests write (faults-steered.reliability.ts).
    const others = ['updateIdempotencyRecord', 'putSamplerState', 'grantTrialNumber'];
    expect([...methods].sort()).toEqual(writeMethods.filter((m) => !others.includes(m)).sort());
    expect(ref.world.anomalies).toEqual([]);
  });

  it('a fault before or after any write leaves the study as if nothing happened', async () => {
    const result = await sweep('retry');
    expect(result.found).toEqual([]);
    expect(result.faults).toBe(2 * result.total);
    expect([...result.hit].sort()).toEqual([...result.pointsInRun].sort());
  });
});
