import { describe, expect, it } from 'vitest';
import { accountingAnomalies } from './support/world.js';
import { laneProperty, laneReference, laneSweep } from './support/lanes.js';

/** The asynchronous ASHA lane path (LaneMachine): fault injection at every write, and lanes racing: see support/lanes.ts. */
describe('ASHA lanes', () => {
  it('a reference lane study runs through NextJob, ObserveJob and Replan to a full-budget winner', async () => {
    const ref = await laneReference();
    expect(ref.world.anomalies).toEqual([]);
    expect(await accountingAnomalies(ref.store, ref.studyId)).toEqual([]);
    const parsed = JSON.parse(ref.result) as { state: string; trials: Array<{ state: string; rung: number }> };
    expect(parsed.state).toBe('COMPLETED');
    expect(parsed.trials).toHaveLength(10);
    expect(parsed.trials.some((t) => t.state === 'COMPLETE' && t.rung === 2)).toBe(true);
    const points = new Set(ref.store.writes.map((w) => w.point));
    for (const p of ['createTrial@nextJob', 'updateTrial@observeJob']) expect(points).toContain(p);
  });

  it('a fault before or after any write of a lane study, steps retried, leaves it as if nothing happened', async () => {
    const result = await laneSweep('retry');
    expect(result.found).toEqual([]);
    expect(result.faults).toBe(2 * result.total);
    expect([...result.hit].sort()).toEqual([...result.pointsInRun].sort());
  });

  it('lanes racing with duplicated NextJob/ObserveJob deliveries: no double claim, ASHA promotions, study completes', async () => {
    const result = await laneProperty(200);
    expect(result.found).toEqual([]);
  });
});
