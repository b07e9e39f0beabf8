import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  example,
  expectCompleted,
  measurements,
  readResult,
  runStudy,
  startForExample,
  tinyData,
  trialLog,
  type JobsRuntime,
} from './support.js';

/**
 * NAS on rung: a one-shot search whose top-k is retrained from scratch and timed by a latency study,
 * and a DARTS search whose genotype is retrained from scratch (examples/nas-oneshot, examples/nas-darts).
 */
let jobs: JobsRuntime;
beforeAll(async () => {
  // Both example folders sit at the same depth, so their PYTHONPATH (../../jobs) holds from either.
  jobs = await startForExample('nas-oneshot');
});
afterAll(async () => {
  await jobs?.close();
});

function small(file: string, overrides: object, params: Record<string, unknown> = {}, spec = example(file)) {
  return {
    ...spec,
    ...overrides,
    parameters: { ...spec.parameters, ...params },
    trial: { ...spec.trial, environment: { ...spec.trial.environment, ...tinyData, IMAGE_SIZE: '12' } },
  };
}

/** A search example on a tiny budget: one trial to epoch 2, then its retraining phase at width 8 to `retrainMax`. */
function tinySearch(file: string, name: string, seed: number, retrainMax: number, params: Record<string, unknown>) {
  const spec = example(file);
  const strategy = { sampler: 'random', scheduler: { type: 'fifo', resource: 'epoch', max: 2 }, seed };
  const retrain = { ...spec.retrain, max: retrainMax, parameters: { ...spec.retrain.parameters, width: 8 } };
  return small(file, { name, strategy, limits: { maxTrials: 1 }, retrain }, params, spec);
}

describe('NAS jobs', () => {
  it('one-shot: trains the supernet, reports the top-k sub-architectures, retrains the best two from scratch, and a latency study times them', async () => {
    // Act: the search, then its retraining phase (the example's, on a small budget).
    const search = await runStudy(
      jobs.runtime,
      tinySearch('nas-oneshot/study.yaml', 'jobs-oneshot', 2, 2, {
        candidates: { type: 'ordinal', values: [8] },
        width: { type: 'ordinal', values: [8] },
      }),
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
    expect(last.candidates).toEqual(
      result.top.map((t: { arch: string; val_accuracy: number }) => ({
        params: { arch: t.arch },
        metrics: { val_accuracy: t.val_accuracy },
      })),
    );

    // Assess: the retraining phase trained the two best from scratch, each for the full (small) budget.
    const retrained = search.trials.filter((t) => t.phase === 'retrain');
    expect(retrained.map((t) => t.params)).toEqual(
      result.top.slice(0, 2).map((t: { arch: string }) => ({ lr: 0.05, width: 8, arch: t.arch })),
    );
    for (const trial of retrained) {
      expect(trial).toMatchObject({ state: 'COMPLETE', resource: 2, source: '0' });
      expect((await measurements(jobs.runtime, search.study.studyId, trial.trialId)).map((m) => m.step)).toEqual([1, 2]);
      expect(
        trialLog(jobs.scratch, search.study.studyId, trial).some((l) =>
          l.startsWith(`trial ${trial.trialId}: architecture ${trial.params.arch} (`),
        ),
      ).toBe(true);
    }
    const answer = retrained.reduce((a, b) => (b.value! > a.value! ? b : a));
    expect(search.study.best).toMatchObject({ trialId: answer.trialId, value: answer.value });

    // Act: the top-k as the candidates of a latency study.
    const latency = await runStudy(jobs.runtime, {
      ...small('nas-oneshot/latency.yaml', {
        name: 'jobs-latency',
        strategy: { sampler: 'random', scheduler: { type: 'fifo', resource: 'round', max: 2 }, seed: 3 },
        limits: { maxTrials: 2, parallelism: 2 },
      }),
      parameters: {
        arch: { type: 'categorical', values: result.top.map((t: { arch: string }) => t.arch) },
        iterations: { type: 'ordinal', values: [10] },
      },
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

  it('DARTS: searches a cell, reports its genotype, and the retraining phase trains the genotype from scratch', async () => {
    // Act: the search and its retraining phase (the example's, on a small budget).
    const search = await runStudy(
      jobs.runtime,
      tinySearch('nas-darts/study.yaml', 'jobs-darts', 5, 3, { nodes: { type: 'ordinal', values: [2] } }),
    );

    // Assess: a discrete genotype: node 0 takes the cell input, node 1 its two strongest inputs.
    expectCompleted(jobs.scratch, search);
    const { genotype, cell, alpha } = readResult(jobs.scratch, search.study.studyId, '0', 'genotype.json');
    expect(genotype).toMatch(/^\w+~0\|\w+~[01]\+\w+~[01]$/);
    expect(cell).toHaveLength(2);
    expect(alpha).toHaveLength(3); // edges of 2 nodes: 1 + 2
    expect(genotype).not.toMatch(/none/);
    const searched = await measurements(jobs.runtime, search.study.studyId, '0');
    expect(searched.map((m) => m.step)).toEqual([1, 2]);
    expect(searched[1].candidates).toEqual([{ params: { arch: genotype }, metrics: { val_accuracy: searched[1].metrics.val_accuracy } }]);

    // Assess: the genotype retrained from scratch with the full budget, and it is the study's answer.
    const retrained = search.trials.filter((t) => t.phase === 'retrain');
    expect(retrained).toHaveLength(1);
    const trial = retrained[0];
    expect(trial).toMatchObject({ state: 'COMPLETE', resource: 3, params: { arch: genotype, lr: 0.05, width: 8, cells: 2 } });
    expect(
      trialLog(jobs.scratch, search.study.studyId, trial).some((l) => l.startsWith(`trial ${trial.trialId}: architecture ${genotype} (`)),
    ).toBe(true);
    const steps = await measurements(jobs.runtime, search.study.studyId, trial.trialId);
    expect(steps.map((m) => m.step)).toEqual([1, 2, 3]);
    expect(steps[0].metrics.params).toBeGreaterThan(0);
    expect(search.study.best).toMatchObject({ trialId: trial.trialId, value: trial.value, resource: 3 });
  });
});
