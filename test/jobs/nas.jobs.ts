import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { example, expectCompleted, measurements, readResult, runStudy, startForExample, tinyData, trialLog, type JobsRuntime } from './support.js';

/**
 * NAS on rung: a one-shot search whose top-k goes to a latency study, and a DARTS search whose
 * genotype is retrained from scratch by a second study (examples/nas-oneshot, examples/nas-darts).
 */
let jobs: JobsRuntime;
beforeAll(async () => {
  // Both example folders sit at the same depth, so their PYTHONPATH (../../jobs) holds from either.
  jobs = await startForExample('nas-oneshot');
});
afterAll(async () => {
  await jobs?.close();
});

function small(file: string, overrides: object, params: Record<string, unknown> = {}) {
  const spec = example(file);
  return {
    ...spec,
    ...overrides,
    parameters: { ...spec.parameters, ...params },
    trial: { ...spec.trial, environment: { ...spec.trial.environment, ...tinyData, IMAGE_SIZE: '12' } },
  };
}

describe('NAS jobs', () => {
  it('one-shot: trains the supernet, writes the top-k sub-architectures, and a latency study times them', async () => {
    // Act: the search.
    const search = await runStudy(
      jobs.runtime,
      small(
        'nas-oneshot/study.yaml',
        { name: 'jobs-oneshot', strategy: { sampler: 'random', scheduler: { type: 'fifo', resource: 'epoch', max: 2 }, seed: 2 }, limits: { maxTrials: 1 } },
        { candidates: { type: 'ordinal', values: [8] }, width: { type: 'ordinal', values: [8] } },
      ),
    );

    // Assess: top 3 of 8 distinct candidates, best first, scored with the shared weights.
    expectCompleted(jobs.scratch, search);
    const result = readResult(jobs.scratch, search.study.studyId, '0', 'topk.json');
    expect(result.top).toHaveLength(3);
    const scores = result.top.map((t: { val_accuracy: number }) => t.val_accuracy);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(new Set(result.top.map((t: { arch: string }) => t.arch)).size).toBe(3);
    for (const { arch } of result.top) expect(arch).toMatch(/^(conv3|conv5|sep3|sep5|max3|skip)(-(conv3|conv5|sep3|sep5|max3|skip)){3}$/);
    const last = (await measurements(jobs.runtime, search.study.studyId, '0')).at(-1)!;
    expect(last.step).toBe(2);
    expect(last.metrics.best_candidate_accuracy).toBe(scores[0]);

    // Act: the top-k as the candidates of a latency study.
    const latency = await runStudy(jobs.runtime, {
      ...small('nas-oneshot/latency.yaml', {
        name: 'jobs-latency',
        strategy: { sampler: 'random', scheduler: { type: 'fifo', resource: 'round', max: 2 }, seed: 3 },
        limits: { maxTrials: 2, parallelism: 2 },
      }),
      parameters: { arch: { type: 'categorical', values: result.top.map((t: { arch: string }) => t.arch) }, iterations: { type: 'ordinal', values: [10] } },
    });

    // Assess: each trial timed its candidate in both rounds, and the best is the fastest.
    expectCompleted(jobs.scratch, latency);
    for (const trial of latency.trials) {
      expect(result.top.map((t: { arch: string }) => t.arch)).toContain(trial.params.arch);
      const rounds = await measurements(jobs.runtime, latency.study.studyId, trial.trialId);
      expect(rounds.map((m) => m.step)).toEqual([1, 2]);
      for (const m of rounds) {
        expect(m.metrics.latency_ms).toBeGreaterThan(0);
        expect(m.metrics.latency_p90_ms).toBeGreaterThanOrEqual(m.metrics.latency_ms);
      }
    }
    expect(latency.study.best!.value).toBe(Math.min(...latency.trials.map((t) => t.value!)));
  });

  it('DARTS: searches a cell, exports its genotype, and a second study retrains the genotype from scratch', async () => {
    // Act: the search.
    const search = await runStudy(
      jobs.runtime,
      small(
        'nas-darts/study.yaml',
        { name: 'jobs-darts', strategy: { sampler: 'random', scheduler: { type: 'fifo', resource: 'epoch', max: 2 }, seed: 5 }, limits: { maxTrials: 1 } },
        { nodes: { type: 'ordinal', values: [2] } },
      ),
    );

    // Assess: a discrete genotype: node 0 takes the cell input, node 1 its two strongest inputs.
    expectCompleted(jobs.scratch, search);
    const { genotype, cell, alpha } = readResult(jobs.scratch, search.study.studyId, '0', 'genotype.json');
    expect(genotype).toMatch(/^\w+~0\|\w+~[01]\+\w+~[01]$/);
    expect(cell).toHaveLength(2);
    expect(alpha).toHaveLength(3); // edges of 2 nodes: 1 + 2
    expect(genotype).not.toMatch(/none/);
    expect((await measurements(jobs.runtime, search.study.studyId, '0')).map((m) => m.step)).toEqual([1, 2]);

    // Act: retrain it with the full budget, the genotype as a parameter.
    const retrain = await runStudy(
      jobs.runtime,
      small(
        'nas-darts/retrain.yaml',
        { name: 'jobs-darts-retrain', strategy: { sampler: 'random', scheduler: { type: 'fifo', resource: 'epoch', max: 3 }, seed: 6 }, limits: { maxTrials: 1 } },
        { arch: { type: 'categorical', values: [genotype] }, width: { type: 'ordinal', values: [8] } },
      ),
    );

    // Assess
    expectCompleted(jobs.scratch, retrain);
    const trial = retrain.trials[0];
    expect(trial).toMatchObject({ state: 'COMPLETE', resource: 3 });
    expect(trialLog(jobs.scratch, retrain.study.studyId, trial).some((l) => l.startsWith(`trial 0: architecture ${genotype} (`))).toBe(true);
    const steps = await measurements(jobs.runtime, retrain.study.studyId, '0');
    expect(steps.map((m) => m.step)).toEqual([1, 2, 3]);
    expect(steps[0].metrics.params).toBeGreaterThan(0);
  });
});
