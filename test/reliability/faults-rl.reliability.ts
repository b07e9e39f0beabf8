import { describe, expect, it } from 'vitest';
import { reference, sweep, type StudyRun } from './support/sweep.js';
import { laneSpec, LaneWorld } from './support/lanes.js';
import { studySpec, World } from './support/world.js';

/**
 * The fault sweeps (support/sweep.ts) on a study whose sampler keeps state in the store (`rl`,
 * the REINFORCE controller): its Suggest writes the state before the trials, so the sweeps fault
 * that write too, before and after it lands. Suggestions are a function of the observations, the
 * seed and the trial number, whatever state a fault left behind: the study must end the same.
 */
const rlRun: StudyRun = {
  world: (store, mode) => new World({ store, onStepError: mode }),
  create: (world) =>
    world.createStudy(studySpec({ strategy: { sampler: 'rl', scheduler: { type: 'hyperband', min: 1, max: 9, eta: 3 }, seed: 17 } })),
  label: 'rl study',
};

/** The same controller on the lane path (ASHA): NextJob's new trials write the state. */
const rlLaneRun: StudyRun = {
  world: (store, mode) => new LaneWorld({ store, onStepError: mode }),
  create: (world) =>
    world.createStudy(laneSpec({ strategy: { sampler: 'rl', scheduler: { type: 'asha', min: 1, max: 9, eta: 3 }, seed: 17 } })),
  label: 'rl lane study',
};

describe('fault injection at every write point of an rl study', () => {
  it('writes the controller state at each Suggest of the reference study', async () => {
    // Act
    const ref = await reference(rlRun);
    // Assess: one state write per bracket, from the Suggest step.
    const points = ref.store.writes.filter((w) => w.method === 'putSamplerState').map((w) => w.point);
    expect(points.length).toBeGreaterThan(1);
    expect(new Set(points)).toEqual(new Set(['putSamplerState@saveSamplerState']));
    expect(ref.world.anomalies).toEqual([]);
  });

  it('a fault before or after any write, the step retried, leaves the study as if nothing happened', async () => {
    // Act
    const result = await sweep('retry', rlRun);
    // Assess
    expect(result.found).toEqual([]);
    expect(result.faults).toBe(2 * result.total);
    expect([...result.hit]).toContain('putSamplerState@saveSamplerState');
    expect([...result.hit].sort()).toEqual([...result.pointsInRun].sort());
  });

  it('MarkFailed, resume, and the rl study ends as if nothing happened, no finished trial-rung run twice', async () => {
    // Act
    const result = await sweep('resume', rlRun, { recovery: true });
    // Assess: every case fired its first fault, nearly every one a second while recovering.
    expect(result.found).toEqual([]);
    expect(result.cases).toBe(4 * result.total);
    expect(result.faults).toBeGreaterThan(1.4 * result.cases);
    expect([...result.hit].sort()).toEqual([...result.pointsInRun].sort());
    expect([...result.recoveryHit]).toContain('putSamplerState@saveSamplerState');
  });

  it('on the lane path (ASHA), a fault before or after any write, steps retried or the study resumed, changes nothing', async () => {
    for (const mode of ['retry', 'resume'] as const) {
      // Act
      const result = await sweep(mode, rlLaneRun);
      // Assess
      expect(result.found).toEqual([]);
      expect([...result.hit]).toContain('putSamplerState@saveSamplerState');
      expect([...result.hit].sort()).toEqual([...result.pointsInRun].sort());
    }
  });
});
