import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createStudy,
  example,
  expectCompleted,
  finish,
  measurements,
  runStudy,
  startForExample,
  tinyData,
  trialLog,
  type JobsRuntime,
} from './support.js';

/** examples/classifier: a PyTorch ResNet tuned by a study; promotions resume, interrupted jobs are retried. */
let jobs: JobsRuntime;
beforeAll(async () => {
  jobs = await startForExample('classifier');
});
afterAll(async () => {
  await jobs?.close();
});

function classifierSpec(overrides: object) {
  const spec = example('classifier/study.yaml');
  return { ...spec, ...overrides, trial: { ...spec.trial, environment: { ...spec.trial.environment, ...tinyData } } };
}

describe('the classifier job', () => {
  it('is tuned with successive halving, and the promoted trial resumes from its checkpoint', async () => {
    // Prepare: the example study on a small budget: 3 trials for 1 epoch, the best promoted to 3.
    const spec = classifierSpec({
      name: 'jobs-classifier',
      strategy: { sampler: 'random', scheduler: { type: 'successive_halving', resource: 'epoch', min: 1, max: 3, eta: 3 }, seed: 4 },
      limits: { maxTrials: 3, parallelism: 2 },
    });

    // Act
    const result = await runStudy(jobs.runtime, spec);

    // Assess
    expectCompleted(jobs.scratch, result);
    const { study, trials } = result;
    expect(trials.map((t) => t.state).sort()).toEqual(['COMPLETE', 'PRUNED', 'PRUNED']);
    const winner = trials.find((t) => t.state === 'COMPLETE')!;
    expect(winner).toMatchObject({ rung: 1, resource: 3 });
    expect(study.best).toMatchObject({ trialId: winner.trialId, value: winner.value });
    const steps = (await measurements(jobs.runtime, study.studyId, winner.trialId)).map((m) => m.step);
    expect(steps).toEqual([1, 2, 3]);
    // The second slice started where the first one's checkpoint left off, not from scratch.
    const log = trialLog(jobs.scratch, study.studyId, winner).filter((l) => l.includes('steps'));
    expect(log).toEqual([
      `trial ${winner.trialId}: steps 1..1 (resumed from 0, attempt 1)`,
      `trial ${winner.trialId}: steps 2..3 (resumed from 1, attempt 1)`,
    ]);
    // The winner was promoted because it ranked first after one epoch.
    const firstEpoch = await Promise.all(
      trials.map(async (t) => (await measurements(jobs.runtime, study.studyId, t.trialId))[0].metrics.val_accuracy),
    );
    expect(Math.max(...firstEpoch)).toBe(firstEpoch[trials.indexOf(winner)]);
  });

  it('checkpoints on SIGTERM, exits 143, and is retried by the job definition; the retry resumes from the checkpoint', async () => {
    // Prepare: one trial of 6 epochs.
    const study = await createStudy(
      jobs.runtime,
      classifierSpec({
        name: 'jobs-interrupted',
        strategy: { sampler: 'random', scheduler: { type: 'fifo', resource: 'epoch', max: 6 }, seed: 1 },
        limits: { maxTrials: 1, parallelism: 1 },
      }),
    );

    // Act: SIGTERM the job (what ECS does to a container on a Spot interruption) once it reported an epoch.
    let job: { pid?: number } | undefined;
    for (let i = 0; i < 2000 && !job; i++) {
      const reported = await measurements(jobs.runtime, study.studyId, '0');
      if (reported.length > 0) job = jobs.runtime.batch.running().find((j) => j.jobName.startsWith(`${study.studyId}-t0-`));
      else await new Promise((r) => setTimeout(r, 50));
    }
    expect(job?.pid, 'the job should still run after its first epoch').toBeDefined();
    process.kill(job!.pid!, 'SIGTERM');
    const { study: done, trials } = await finish(jobs.runtime, study.studyId);

    // Assess: the trial completed all 6 epochs, each stored once, across two attempts.
    expectCompleted(jobs.scratch, { study: done, trials });
    expect(trials[0]).toMatchObject({ state: 'COMPLETE', resource: 6 });
    expect((await measurements(jobs.runtime, study.studyId, '0')).map((m) => m.step)).toEqual([1, 2, 3, 4, 5, 6]);
    const log = trialLog(jobs.scratch, study.studyId, trials[0]);
    const saved = log.map((l) => /interrupted after step (\d+): checkpoint saved, exit 143/.exec(l)).find(Boolean);
    expect(saved, log.join('\n')).toBeDefined();
    const k = Number(saved![1]);
    expect(k).toBeGreaterThanOrEqual(1);
    expect(k).toBeLessThan(6);
    expect(log).toContain('trial 0: SIGTERM: checkpointing at the end of this step');
    expect(log).toContain('[rung local batch] attempt 1 ended (exit code 143): retrying, attempt 2 of 3');
    expect(log).toContain(`trial 0: steps ${k + 1}..6 (resumed from ${k}, attempt 2)`);
  });
});
