import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../shared/errors.js';
import { assertTrialTransition, canStudyTransition, canTransition, isTrialFinished } from '../../shared/study/trial-state.js';

describe('trial states', () => {
  it('lets a paused trial be promoted or pruned, and nothing leave a final state', () => {
    expect(canTransition('PAUSED', 'RUNNING')).toBe(true);
    expect(canTransition('PAUSED', 'PRUNED')).toBe(true);
    for (const final of ['COMPLETE', 'PRUNED', 'FAILED', 'INFEASIBLE'] as const) {
      expect(isTrialFinished(final)).toBe(true);
      expect(canTransition(final, 'RUNNING')).toBe(false);
    }
    expect(() => assertTrialTransition('COMPLETE', 'RUNNING')).toThrow(ConflictError);
  });

  it('lets a study stop only while it is not finished', () => {
    expect(canStudyTransition('RUNNING', 'STOPPING')).toBe(true);
    expect(canStudyTransition('COMPLETED', 'STOPPING')).toBe(false);
    expect(canStudyTransition('FAILED', 'RUNNING')).toBe(true);
  });
});
