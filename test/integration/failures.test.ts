import { describe, expect, it } from 'vitest';
import { useEmbedded } from '../support/embedded.js';

/**
 * Studies whose jobs fail, on the embedded runtime: ASHA (the lane path) stops at
 * `limits.maxFailedTrials` as the bracket path does, and a study whose every trial failed ends
 * FAILED with the reason instead of COMPLETED without an answer.
 */
const env = useEmbedded('rung-failures-');
const crash = ['node', '-e', 'console.error("no such dataset"); process.exit(1)'];

function spec(name: string, scheduler: object, limits: object) {
  return {
    name,
    objective: { metric: 'acc', goal: 'maximize' },
    parameters: { x: { type: 'float', min: 0, max: 1 } },
    strategy: { sampler: 'random', scheduler, seed: 3 },
    limits,
    trial: { command: crash, gpus: 0, retries: 0 },
  };
}

describe('a study whose jobs fail', () => {
  it('ASHA: stops starting jobs past limits.maxFailedTrials and ends FAILED', async () => {
    // Act
    const { study, trials } = await env.runStudy(
      spec('it-asha-failing', { type: 'asha', min: 1, max: 9, eta: 3 }, { maxTrials: 12, parallelism: 2, maxFailedTrials: 2 }),
    );

    // Assess: three failures exceed the limit of two; far fewer than 12 trials ran.
    expect(study.state).toBe('FAILED');
    expect(study.error).toMatch(/trials failed, more than limits.maxFailedTrials \(2\)/);
    const failed = trials.filter((t) => t.state === 'FAILED');
    expect(failed.length).toBeGreaterThanOrEqual(3);
    expect(trials.length).toBeLessThanOrEqual(3 + 2);
    expect(failed[0].error).toMatch(/job failed/);
  });

  it('fifo without a failure limit: every trial failed, so the study is FAILED with the first reason', async () => {
    // Act
    const { study, trials } = await env.runStudy(spec('it-all-failing', { type: 'fifo', max: 2 }, { maxTrials: 3, parallelism: 3 }));

    // Assess
    expect(trials.map((t) => t.state)).toEqual(['FAILED', 'FAILED', 'FAILED']);
    expect(study.state).toBe('FAILED');
    expect(study.best).toBeUndefined();
    expect(study.error).toMatch(/^every trial failed; trial 0: job failed/);
  });
});
