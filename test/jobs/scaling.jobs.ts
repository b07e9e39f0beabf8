import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { example, expectCompleted, measurements, runStudy, startForExample, tinyData, type JobsRuntime } from './support.js';

/** examples/compound-scaling: depth/width/resolution multipliers (a compound_scaling parameter) under alpha * beta^2 * gamma^2 = 2. */
let jobs: JobsRuntime;
beforeAll(async () => {
  jobs = await startForExample('compound-scaling');
});
afterAll(async () => {
  await jobs?.close();
});

describe('the compound-scaling job', () => {
  it('trains each (alpha, beta) on the FLOPs constraint, reports the measured FLOPs ratio, and retrains the winner scaled up', async () => {
    // Prepare
    const spec = example('compound-scaling/study.yaml');
    spec.name = 'jobs-scaling';
    spec.strategy = { sampler: 'random', scheduler: { type: 'fifo', resource: 'epoch', max: 2 }, seed: 8 };
    spec.limits = { maxTrials: 2, parallelism: 2 };
    spec.trial.environment = { ...spec.trial.environment, ...tinyData };
    spec.retrain = { ...spec.retrain, max: 2, sweep: { phi: [1, 2] } };

    // Act
    const result = await runStudy(jobs.runtime, spec);

    // Assess
    expectCompleted(jobs.scratch, result);
    const search = result.trials.filter((t) => t.phase !== 'retrain');
    for (const trial of search) {
      // The compound_scaling parameter: alpha and beta searched, gamma on the constraint alpha * beta^2 * gamma^2 = 2.
      const { alpha, beta, gamma } = JSON.parse(String(trial.params.scale)) as { alpha: number; beta: number; gamma: number };
      expect(trial.params).toMatchObject({ 'scale.alpha': alpha, 'scale.beta': beta });
      expect(alpha * beta ** 2 * gamma ** 2).toBeCloseTo(2, 9);
      const steps = await measurements(jobs.runtime, result.study.studyId, trial.trialId);
      expect(steps.map((m) => m.step)).toEqual([1, 2]);
      const m = steps[1].metrics;
      expect(m.gamma).toBeCloseTo(gamma, 9);
      // Counted on the networks themselves; rounding whole blocks, channels and pixels keeps it near 2.
      expect(m.flops_ratio).toBeGreaterThan(1.6);
      expect(m.flops_ratio).toBeLessThan(2.6);
      expect(m.resolution).toBe(Math.round(12 * m.gamma));
      expect(m.val_accuracy).toBeGreaterThanOrEqual(0);
    }

    // Assess: the winning (alpha, beta) retrained from scratch at phi = 1 and 2; phi = 2 costs about twice the FLOPs.
    const winner = search.reduce((a, b) => (b.value! > a.value! ? b : a));
    const retrained = result.trials.filter((t) => t.phase === 'retrain');
    expect(retrained.map((t) => t.params)).toEqual([1, 2].map((phi) => ({ ...winner.params, phi })));
    const flops = [];
    for (const trial of retrained) {
      expect(trial).toMatchObject({ state: 'COMPLETE', resource: 2, source: winner.trialId });
      const steps = await measurements(jobs.runtime, result.study.studyId, trial.trialId);
      expect(steps.map((m) => m.step)).toEqual([1, 2]);
      flops.push(steps[1].metrics.mflops);
    }
    expect(flops[1] / flops[0]).toBeGreaterThan(1.6);
    expect(flops[1] / flops[0]).toBeLessThan(2.6);
  });
});
