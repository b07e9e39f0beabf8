import { describe, expect, it } from 'vitest';
import { reference, sweep } from './support/sweep.js';
import { askTellRun, steeredBracketRun, steeredLaneRun, strandedLaneRun } from './support/steered.js';

/** Fault injection at every write of studies that a person steers, or a duplicate NextJob strands a claim of: see support/steered.ts. */
describe('fault injection at every write point of steered studies and of a stranded claim', () => {
  it('the steered references write through the steering routes and what acts on them', async () => {
    // Act
    const bracket = await reference(steeredBracketRun);
    const lanes = await reference(steeredLaneRun);
    // Assess
    const points = new Set([...bracket.store.writes, ...lanes.store.writes].map((w) => w.point));
    expect([...points]).toEqual(
      expect.arrayContaining(['updateStudy@enqueueConfigs', 'updateTrial@takeEnqueued', 'updateTrial@stopTrial', 'updateStudy@patchStudy']),
    );
    expect(bracket.world.anomalies).toEqual([]);
    expect(lanes.world.anomalies).toEqual([]);
    const trials = (r: { result: string }) => (JSON.parse(r.result) as { trials: Array<{ params: { x: number }; state: string }> }).trials;
    for (const r of [bracket, lanes]) expect(trials(r).some((t) => t.params.x === 0.97)).toBe(true);
    expect(trials(lanes)).toHaveLength(9);
    expect(trials(lanes).filter((t) => t.state === 'PRUNED').length).toBeGreaterThan(0);
  });

  it('a Hyperband study: a fault before or after any write, execution failed and resumed, ends as the reference', async () => {
    const result = await sweep('resume', steeredBracketRun);
    expect(result.found).toEqual([]);
    expect(result.faults).toBe(2 * result.total);
    expect([...result.hit].sort()).toEqual([...result.pointsInRun].sort());
  });

  it('an ASHA lane study: a fault before or after any write, step retried, ends as the reference', async () => {
    const result = await sweep('retry', steeredLaneRun);
    expect(result.found).toEqual([]);
    expect(result.faults).toBe(2 * result.total);
    expect([...result.hit].sort()).toEqual([...result.pointsInRun].sort());
  });

  it('a lane study with a stranded claim: released and adopted in the next round, also with a fault at any write', async () => {
    // Prepare / Act
    const ref = await reference(strandedLaneRun);
    const result = await sweep('retry', strandedLaneRun);
    // Assess: the reference releases and adopts; the study completes with every trial finished and the ledger settled.
    expect(ref.store.writes.map((w) => w.point)).toEqual(expect.arrayContaining(['updateTrial@releaseStranded', 'updateTrial@adopt']));
    expect(JSON.parse(ref.result).state).toBe('COMPLETED');
    expect(result.found).toEqual([]);
    expect(result.faults).toBe(2 * result.total);
    expect([...result.hit].sort()).toEqual([...result.pointsInRun].sort());
  });

  it('an ask/tell study: a fault before or after any write, the worker retrying with its key, ends as the reference', async () => {
    // Prepare / Act
    const ref = await reference(askTellRun);
    const result = await sweep('retry', askTellRun);
    // Assess
    expect(JSON.parse(ref.result).state).toBe('STOPPED');
    expect(result.found).toEqual([]);
    expect(result.faults).toBe(2 * result.total);
    expect([...result.hit].sort()).toEqual([...result.pointsInRun].sort());
  });
});
