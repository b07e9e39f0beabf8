import { describe, expect, it } from 'vitest';
import { laneRun } from './support/lanes.js';
import { sweep } from './support/sweep.js';

/**
 * The lane path (ASHA, LaneMachine) under a fault at every write with the execution failed:
 * MarkFailed, then a person resumes, and lanes adopt what the failed attempt left; each write
 * is also faulted a second time while the study recovers (support/sweep.ts).
 */
describe('fault injection at every write point of a lane study, executions resumed', () => {
  it('MarkFailed, resume, and the lane study ends as if nothing happened, no finished trial-rung run twice', async () => {
    // Act
    const result = await sweep('resume', laneRun, { recovery: true });
    // Assess: every case fired its first fault, nearly every one a second while recovering.
    expect(result.found).toEqual([]);
    expect(result.cases).toBe(4 * result.total);
    expect(result.faults).toBeGreaterThan(1.4 * result.cases);
    expect([...result.hit].sort()).toEqual([...result.pointsInRun].sort());
    // The repairs of a resumed lane study were faulted too: the resume itself and the adoption of orphans.
    expect([...result.recoveryHit]).toEqual(expect.arrayContaining(['updateStudy@resumeStudy', 'updateTrial@adopt']));
  });
});
