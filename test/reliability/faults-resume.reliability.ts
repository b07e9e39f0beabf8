import { describe, expect, it } from 'vitest';
import { sweep } from './support/sweep.js';

/**
 * Fault injection at every write, with the execution failed, marked FAILED and the study resumed;
 * each write is also faulted a second time while the study recovers: see support/sweep.ts.
 */
describe('fault injection at every write point, executions resumed', () => {
  it('MarkFailed, resume, and the study ends as if nothing happened, no finished trial-rung run twice', async () => {
    // Act
    const result = await sweep('resume', undefined, { recovery: true });
    // Assess: every case fired its first fault, nearly every one a second while recovering.
    expect(result.found).toEqual([]);
    expect(result.cases).toBe(4 * result.total);
    expect(result.faults).toBeGreaterThan(1.4 * result.cases);
    expect([...result.hit].sort()).toEqual([...result.pointsInRun].sort());
    expect([...result.recoveryHit]).toContain('updateStudy@resumeStudy');
  });
});
