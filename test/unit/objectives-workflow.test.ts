import { describe, expect, it } from 'vitest';
import { memoryContexts } from '../support/contexts.js';
import { readAll } from '../../shared/store/port.js';
import { nextJob, observeJob } from '../../shared/study/lanes.js';
import { createStudy, reportMeasurement } from '../../shared/study/service.js';
import { finalize, observe, plan, promote, startTrial, suggest, type RungPlan } from '../../shared/study/workflow.js';

type Ctx = ReturnType<typeof memoryContexts>;

/**
 * Two objectives (acc up, size down) and a latency constraint, on both paths of the workflow
 * (brackets and ASHA lanes), driven step by step. The stand-in job reports acc = x, size = 100 x
 * and latency_ms = 30 x once, so a trial with x > 0.5 violates latency_ms <= 15.
 */
const spec = (scheduler: object, overrides: Record<string, unknown> = {}) => ({
  name: 'pareto',
  objectives: [
    { metric: 'acc', goal: 'maximize' },
    { metric: 'size', goal: 'minimize' },
  ],
  constraints: [{ metric: 'latency_ms', max: 15 }],
  parameters: { x: { type: 'float', min: 0, max: 1 } },
  strategy: { sampler: 'random', scheduler, seed: 5 },
  limits: { maxTrials: 9, parallelism: 1 },
  trial: { command: ['train'], metrics: ['latency_ms'] },
  ...overrides,
});

async function train(ctx: Ctx, studyId: string, trialId: string, env: Record<string, string>, reportLatency = true) {
  const x = JSON.parse(env.RUNG_PARAMS).x as number;
  for (let step = Number(env.RUNG_RESOURCE_FROM) + 1; step <= Number(env.RUNG_RESOURCE_TO); step++) {
    const latency = step === 1 && reportLatency ? { latency_ms: 30 * x } : {};
    await reportMeasurement(ctx.service, 't', studyId, trialId, { step, metrics: { acc: x, size: 100 * x, ...latency } });
  }
}

async function runBrackets(ctx: Ctx, studyId: string, reportLatency = true) {
  const planned = await plan(ctx.steps, { team: 't', studyId });
  for (const b of planned.brackets) {
    let rung: RungPlan = await suggest(ctx.steps, { team: 't', studyId, bracket: b.bracket });
    while (!rung.done) {
      for (const slot of rung.trials) {
        const started = await startTrial(ctx.steps, slot);
        if (!started.run) continue;
        await train(ctx, studyId, slot.trialId, started.job!.env, reportLatency);
        await observe(ctx.steps, { ...slot, run: true });
      }
      rung = await promote(ctx.steps, rung);
    }
  }
  await finalize(ctx.steps, { team: 't', studyId, outcome: 'COMPLETED' });
  return {
    study: (await ctx.store.getStudy('t', studyId))!,
    trials: await readAll((p) => ctx.store.listTrials('t', studyId, p)),
  };
}

describe('constraints in the study workflow', () => {
  it('ends violators INFEASIBLE at their final rung, keeps their metrics, and never makes one the best (brackets)', async () => {
    // Prepare
    const ctx = memoryContexts(3);
    const study = await createStudy(ctx.service, 't', spec({ type: 'fifo', max: 2 }), undefined);
    // Act
    const { study: done, trials } = await runBrackets(ctx, study.studyId);
    // Assess
    const infeasible = trials.filter((t) => t.state === 'INFEASIBLE');
    const complete = trials.filter((t) => t.state === 'COMPLETE');
    expect(infeasible.length + complete.length).toBe(9);
    expect(infeasible.length).toBeGreaterThan(0);
    expect(complete.length).toBeGreaterThan(0);
    for (const t of infeasible) expect(t).toMatchObject({ feasible: false, metrics: { latency_ms: 30 * (t.params.x as number) } });
    for (const t of infeasible) expect(t.params.x as number).toBeGreaterThan(0.5);
    for (const t of complete) expect(t).toMatchObject({ feasible: true, metrics: { acc: t.params.x, size: 100 * (t.params.x as number) } });
    // The best is the most accurate feasible trial, although an infeasible one is more accurate.
    const bestFeasible = complete.sort((a, b) => b.value! - a.value!)[0];
    expect(done.best?.trialId).toBe(bestFeasible.trialId);
    expect(Math.max(...infeasible.map((t) => t.value!))).toBeGreaterThan(bestFeasible.value!);
  });

  it('promotes a trial that violates a constraint at an early rung, and judges it at its final rung', async () => {
    // Prepare: successive halving; everything promoted is still judged at the last rung.
    const ctx = memoryContexts(3);
    const study = await createStudy(ctx.service, 't', spec({ type: 'successive_halving', min: 1, max: 3, eta: 3 }), undefined);
    // Act
    const { study: done, trials } = await runBrackets(ctx, study.studyId);
    // Assess
    // The primary objective ranks promotions: violators (the most accurate here) were promoted, not ended at rung 0.
    const top = trials.filter((t) => t.rungValues.length === 2);
    expect(top).toHaveLength(3);
    expect(top.some((t) => t.state === 'INFEASIBLE')).toBe(true);
    for (const t of top) expect(t.state).toBe((t.params.x as number) > 0.5 ? 'INFEASIBLE' : 'COMPLETE');
    for (const t of trials.filter((t) => t.rungValues.length === 1)) expect(t.state).toBe('PRUNED');
    expect(trials.find((t) => t.trialId === done.best?.trialId)?.feasible).toBe(true);
  });

  it('fails a trial that never reported a constraint metric, naming the metric', async () => {
    // Prepare
    const ctx = memoryContexts(3);
    const study = await createStudy(
      ctx.service,
      't',
      spec({ type: 'fifo', max: 1 }, { limits: { maxTrials: 2, parallelism: 1 } }),
      undefined,
    );
    // Act
    const { study: done, trials } = await runBrackets(ctx, study.studyId, false);
    // Assess
    expect(trials.map((t) => t.state)).toEqual(['FAILED', 'FAILED']);
    expect(trials[0].error).toBe('the job never reported the metric "latency_ms" that a constraint needs (constraints.0)');
    expect(done.best).toBeUndefined();
  });

  it('ranks violators last on the ASHA lane path and keeps their metrics', async () => {
    // Prepare
    const ctx = memoryContexts(3);
    const study = await createStudy(ctx.service, 't', spec({ type: 'asha', min: 1, max: 3, eta: 3 }), undefined);
    const planned = await plan(ctx.steps, study);
    // Act: one lane, job after job, round after round.
    let position = { team: 't', studyId: study.studyId, lane: 0, round: 0, jobIndex: 0 };
    let lanes = planned.lanes.length;
    while (lanes > 0) {
      const job = await nextJob(ctx.steps, position);
      if (!job.run) {
        const replanned = await plan(ctx.steps, { team: 't', studyId: study.studyId, round: position.round + 1 });
        lanes = replanned.lanes.length;
        position = { ...position, round: position.round + 1, jobIndex: 0 };
        continue;
      }
      await train(ctx, study.studyId, job.trialId!, job.job!.env);
      position = await observeJob(ctx.steps, { ...job, ...position, trialId: job.trialId!, rung: job.rung! });
    }
    await finalize(ctx.steps, { team: 't', studyId: study.studyId, outcome: 'COMPLETED' });
    // Assess
    const trials = await readAll((p) => ctx.store.listTrials('t', study.studyId, p));
    const top = trials.filter((t) => t.rungValues.length === 2);
    expect(top.length).toBeGreaterThan(0);
    for (const t of top) expect(t.state).toBe((t.params.x as number) > 0.5 ? 'INFEASIBLE' : 'COMPLETE');
    // ASHA ranks violators below every feasible trial at a rung, although they are the most accurate here.
    expect(trials.some((t) => t.feasible === false && t.value! > Math.max(...top.map((u) => u.value!)))).toBe(true);
    expect(top.every((t) => t.feasible)).toBe(true);
    const done = (await ctx.store.getStudy('t', study.studyId))!;
    expect(trials.find((t) => t.trialId === done.best?.trialId)?.feasible).toBe(true);
    expect(trials.every((t) => t.metrics?.latency_ms === 30 * (t.params.x as number))).toBe(true);
  });
});
