import { describe, expect, it } from 'vitest';
import { memoryContexts } from '../support/contexts.js';
import { nextJob, observeJob } from '../../shared/study/lanes.js';
import { pendingParams } from '../../shared/study/engine/new-trial.js';
import { resultsOf } from '../../shared/study/engine/results.js';
import { sliceEnded } from '../../shared/study/engine/rung-end.js';
import { createStudy, reportMeasurement } from '../../shared/study/service.js';
import type { Trial, TrialState } from '../../shared/study/types.js';
import { observe, plan, promote, startTrial, suggest } from '../../shared/study/workflow.js';

const base = {
  name: 'engine',
  objective: { metric: 'acc', goal: 'maximize' },
  parameters: { x: { type: 'float', min: 0, max: 1 } },
  trial: { command: ['train'] },
};
const halving = {
  ...base,
  strategy: { sampler: 'random', scheduler: { type: 'successive_halving', min: 1, max: 3, eta: 3 }, seed: 2 },
  limits: { maxTrials: 3, parallelism: 1 },
};
const asha = {
  ...base,
  strategy: { sampler: 'random', scheduler: { type: 'asha', min: 1, max: 9, eta: 3 }, seed: 2 },
  limits: { maxTrials: 3, parallelism: 1 },
};

type Ctx = ReturnType<typeof memoryContexts>;
const report = (ctx: Ctx, studyId: string, trialId: string, steps: number[]) =>
  Promise.all(steps.map((step) => reportMeasurement(ctx.service, 't', studyId, trialId, { step, metrics: { acc: step / 10 } })));

/** The bracket path up to the first trial's rung-1 job, its rung 0 reported in full. */
async function bracketAtRung1(ctx: Ctx) {
  const study = await createStudy(ctx.service, 't', halving, 'https://api/v1');
  const [bracket] = (await plan(ctx.steps, study)).brackets;
  const rung0 = await suggest(ctx.steps, bracket);
  for (const [i, slot] of rung0.trials.entries()) {
    expect((await startTrial(ctx.steps, slot)).run).toBe(true);
    await reportMeasurement(ctx.service, 't', study.studyId, slot.trialId, { step: 1, metrics: { acc: i } });
    expect(await observe(ctx.steps, { ...slot, run: true })).toMatchObject({ state: 'PAUSED' });
  }
  const rung1 = await promote(ctx.steps, rung0);
  expect((await startTrial(ctx.steps, rung1.trials[0])).run).toBe(true);
  return { study, slot: rung1.trials[0] };
}

/** The lane path up to its first job (rung 0, target 1). */
async function laneJob(ctx: Ctx) {
  const study = await createStudy(ctx.service, 't', asha, 'https://api/v1');
  const [lane] = (await plan(ctx.steps, study)).lanes;
  const job = await nextJob(ctx.steps, { ...lane, jobIndex: 0 });
  expect(job).toMatchObject({ run: true, rung: 0 });
  return { study, job: { ...job, trialId: job.trialId!, rung: job.rung! } };
}

describe('the end of a rung slice, on both paths', () => {
  it('the bracket path fails a rung-1 job that reported short of its target, and keeps no value from the earlier rung', async () => {
    const ctx = memoryContexts();
    const { study, slot } = await bracketAtRung1(ctx);
    await report(ctx, study.studyId, slot.trialId, [2]);
    expect(await observe(ctx.steps, { ...slot, run: true })).toMatchObject({ state: 'FAILED' });
    const trial = await ctx.store.getTrial('t', study.studyId, slot.trialId);
    expect(trial).toMatchObject({ state: 'FAILED', error: 'the job stopped at 2, before its rung at 3', resource: 1 });
    expect(trial!.rungValues[1]).toBeUndefined();
  });

  it('the bracket path records the last reported step as the resource, and ignores reports past the target', async () => {
    const ctx = memoryContexts();
    const { study, slot } = await bracketAtRung1(ctx);
    await report(ctx, study.studyId, slot.trialId, [2, 3, 4]);
    expect(await observe(ctx.steps, { ...slot, run: true })).toMatchObject({ state: 'COMPLETE' });
    expect(await ctx.store.getTrial('t', study.studyId, slot.trialId)).toMatchObject({ state: 'COMPLETE', resource: 3, value: 0.3 });
  });

  it('the lane path fails a job that reported short of its target, and records the last reported step when it reached it', async () => {
    const short = memoryContexts();
    const a = await laneJob(short);
    await report(short, a.study.studyId, a.job.trialId, [0.5]);
    await observeJob(short.steps, { ...a.job, run: true });
    expect(await short.store.getTrial('t', a.study.studyId, a.job.trialId)).toMatchObject({
      state: 'FAILED',
      error: 'the job stopped at 0.5, before its rung at 1',
      resource: 0,
    });

    const reached = memoryContexts();
    const b = await laneJob(reached);
    await report(reached, b.study.studyId, b.job.trialId, [0.5, 1, 2]);
    await observeJob(reached.steps, { ...b.job, run: true });
    expect(await reached.store.getTrial('t', b.study.studyId, b.job.trialId)).toMatchObject({
      state: 'PAUSED',
      resource: 1,
      value: 0.1,
      rungValues: [0.1],
    });
  });

  it('judges one slice the same way whichever path ends it', async () => {
    const ctx = memoryContexts();
    const study = await createStudy(ctx.service, 't', halving, 'https://api/v1');
    const trial = { ...trialAt('RUNNING', 0), studyId: study.studyId, jobs: [{ rung: 1, startedAt: '2026-01-01T00:00:00Z' }] };
    const now = new Date('2026-01-01T00:01:00Z');
    const m = (step: number) => ({ step, metrics: { acc: step } });
    const slice = { trialId: '0', rung: 1, target: 3, top: true };
    expect(sliceEnded(study, trial, slice, [m(1), m(2)], now)).toMatchObject({
      state: 'FAILED',
      error: 'the job stopped at 2, before its rung at 3',
    });
    expect(sliceEnded(study, trial, slice, [m(1), m(3), m(5)], now)).toMatchObject({
      state: 'COMPLETE',
      resource: 3,
      value: 3,
      endedAt: now.toISOString(),
    });
    expect(sliceEnded(study, trial, { ...slice, jobError: { Error: 'States.Timeout' } }, [m(3)], now)).toMatchObject({
      state: 'FAILED',
      error: 'job failed: States.Timeout',
    });
    // A trial a person stopped ends PRUNED, and so has an end, at any rung.
    expect(sliceEnded(study, { ...trial, stopRequested: true }, { ...slice, top: false }, [m(3)], now)).toMatchObject({
      state: 'PRUNED',
      endedAt: now.toISOString(),
    });
  });
});

function trialAt(state: TrialState, x: number, rungValues: number[] = []): Trial {
  const at = '2026-01-01T00:00:00Z';
  return {
    team: 't',
    studyId: 's',
    trialId: String(x),
    number: x,
    bracket: 0,
    rung: 0,
    params: { x },
    state,
    resource: 0,
    rungValues,
    createdAt: at,
    updatedAt: at,
    version: 0,
  };
}

describe('the new-trial step', () => {
  it('counts as pending every trial without a result that will still run, WAITING included', () => {
    const trials = [
      trialAt('WAITING', 1),
      trialAt('RUNNING', 2),
      trialAt('PAUSED', 3),
      trialAt('RUNNING', 4, [0.4]),
      trialAt('FAILED', 5),
      trialAt('PRUNED', 6),
      trialAt('INFEASIBLE', 7),
      trialAt('COMPLETE', 8, [0.8]),
    ];
    expect(pendingParams(trials).map((p) => p.x)).toEqual([1, 2, 3]);
  });

  it('gives the sampler the search results only, each at the resource of its rung', async () => {
    const ctx = memoryContexts();
    const study = await createStudy(ctx.service, 't', asha, 'https://api/v1');
    const trials = [trialAt('PAUSED', 1, [0.1, 0.2]), { ...trialAt('COMPLETE', 2, [0.9]), phase: 'retrain' as const }];
    expect(resultsOf(study, trials).map((r) => [r.rung, r.observation.resource, r.observation.score])).toEqual([
      [0, 1, 0.1],
      [1, 3, 0.2],
    ]);
  });
});
