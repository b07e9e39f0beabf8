import { describe, expect, it } from 'vitest';
import { progressLine } from '../../cli/run.js';
import type { Study, Trial } from '../../shared/study/types.js';

const study = { state: 'RUNNING' } as Study;
const trial = (trialId: string, state: string) => ({ trialId, state, bracket: 0, rung: 0, resource: 1, params: {} }) as unknown as Trial;

describe('rung run progress', () => {
  it('counts only trials in a final state, so that the count never goes backwards', () => {
    // Prepare: trial 1 pauses at a rung, then is promoted and runs again.
    const before = [trial('0', 'COMPLETE'), trial('1', 'PAUSED'), trial('2', 'PRUNED'), trial('3', 'FAILED'), trial('4', 'INFEASIBLE')];
    const after = [trial('0', 'COMPLETE'), trial('1', 'RUNNING'), trial('2', 'PRUNED'), trial('3', 'FAILED'), trial('4', 'INFEASIBLE')];
    // Act
    const first = progressLine(study, before, 9);
    const second = progressLine(study, after, 9);
    // Assess
    expect(first.done).toBe(4);
    expect(second.done).toBe(4);
    expect(second.done).toBeGreaterThanOrEqual(first.done);
  });
});
