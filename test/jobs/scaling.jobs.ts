import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { example, expectCompleted, measurements, runStudy, startForExample, tinyData, type JobsRuntime } from './support.js';

/** examples/compound-scaling: depth/width/resolution multipliers under alpha * beta^2 * gamma^2 ~ 2. */
let jobs: JobsRuntime;
beforeAll(async () => {
  jobs = await startForExample('compound-scaling');
});
afterAll(async () => {
  await jobs?.close();
});

describe('the compound-scaling job', () => {
  it('trains each (alpha, beta) on the FLOPs constraint and reports the measured FLOPs ratio', async () => {
    // Prepare
    const spec = example('compound-scaling/study.yaml');
    spec.name = 'jobs-scaling';
    spec.strategy = { sampler: 'random', scheduler: { type: 'fifo', resource: 'epoch', max: 2 }, seed: 8 };
    spec.limits = { maxTrials: 2, parallelism: 2 };
    spec.trial.environment = { ...spec.trial.environment, ...tinyData };

    // Act
    const result = await runStudy(jobs.runtime, spec);

    // Assess
    expectCompleted(jobs.scratch, result);
    for (const trial of result.trials) {
      const { alpha, beta } = trial.params as { alpha: number; beta: number };
      const steps = await measurements(jobs.runtime, result.study.studyId, trial.trialId);
      expect(steps.map((m) => m.step)).toEqual([1, 2]);
      const m = steps[1].metrics;
      expect(m.gamma).toBeCloseTo(Math.max(1, Math.sqrt(2 / (alpha * beta ** 2))), 9);
      // Counted on the networks themselves; rounding whole blocks, channels and pixels keeps it near 2.
      expect(m.flops_ratio).toBeGreaterThan(1.6);
      expect(m.flops_ratio).toBeLessThan(2.6);
      expect(m.resolution).toBe(Math.round(12 * m.gamma));
      expect(m.val_accuracy).toBeGreaterThanOrEqual(0);
    }
  });
});
