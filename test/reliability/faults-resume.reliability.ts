import { describe, expect, it } from 'vitest';
import { sweep } from './support/sweep.js';

/** Fault injection at every write, with the execution failed, marked FAILED and the study resumed: see support/sweep.ts. */
describe('fault injection at every write point, executions resumed', () => {
  it('MarkFailed, resume, and the study ends as if nothing happened, no finished trial-rung run twice', async () => {
    const result = await sweep('resume');
    expect(result.found).toEqual([]);
    expect(result.faults).toBe(2 * result.total);
    expect([...result.hit].sort()).toEqual([...result.pointsInRun].sort());
  });
});
