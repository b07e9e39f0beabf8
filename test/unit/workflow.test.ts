import { describe, expect, it } from 'vitest';
import { memoryContexts } from '../support/contexts.js';
import { readAll } from '../../shared/store/port.js';
import { createStudy, MeasurementConflictError, reportMeasurement, stopStudy } from '../../shared/study/service.js';
import {
  finalize,
  observe,
  plan,
  promote,
  startTrial,
  suggest,
  TooManyFailedTrialsError,
  type RungPlan,
} from '../../shared/study/workflow.js';

const contexts = () => memoryContexts();

const spec = (overrides: Record<string, unknown> = {}) => ({
  name: 'unit',
  objective: { metric: 'acc', goal: 'maximize' },
  parameters: { x: { type: 'float', min: 0, max: 1 } },
  strategy: { scheduler: { type: 'hyperband', min: 1, max: 9, eta: 3 }, seed: 3 },
  limits: { maxTrials: 9, parallelism: 2 },
  trial: { command: ['train'] },
  ...overrides,
});

/** A stand-in for the training job: reports acc = x (scaled by progress) for each step of its slice. */
async function train(
  ctx: ReturnType<typeof contexts>,
  team: string,
  studyId: string,
  trialId: string,
  from: number,
  to: number,
  x: number,
) {
  for (let step = from + 1; step <= to; step++) {
    await reportMeasurement(ctx.service, team, studyId, trialId, { step, metrics: { acc: x * (step / to) } });
  }
}

/** Drives one bracket the way BracketMachine does, job by job. */
async function runBracket(ctx: ReturnType<typeof contexts>, team: string, studyId: string, bracket: number) {
  let rung: RungPlan = await suggest(ctx.steps, { team, studyId, bracket });
  const history: RungPlan[] = [];
  while (!rung.done) {
    history.push(rung);
    for (const slot of rung.trials) {
      const started = await startTrial(ctx.steps, slot);
      if (!started.run) continue;
      const { RUNG_RESOURCE_FROM, RUNG_RESOURCE_TO, RUNG_PARAMS } = started.job!.env;
      await train(ctx, team, studyId, slot.trialId, Number(RUNG_RESOURCE_FROM), Number(RUNG_RESOURCE_TO), JSON.parse(RUNG_PARAMS).x);
      await observe(ctx.steps, { ...slot, run: true });
    }
    rung = await promote(ctx.steps, rung);
  }
  return history;
}

describe('study workflow steps', () => {
  it('runs Hyperband: promotes the best third of each rung, resumes from the trained resource, and finds the best', async () => {
    // Prepare
    const ctx = contexts();
    const study = await createStudy(ctx.service, 'team-a', spec({ limits: { maxTrials: 17, parallelism: 2 } }), 'https://api/v1');
    // Act
    const planned = await plan(ctx.steps, study);
    const histories = [];
    for (const b of planned.brackets) histories.push(await runBracket(ctx, 'team-a', study.studyId, b.bracket));
    const result = await finalize(ctx.steps, { team: 'team-a', studyId: study.studyId, outcome: 'COMPLETED' });
    // Assess
    expect(planned.brackets.map((b) => b.name)).toEqual([0, 1, 2].map((i) => `${study.studyId}-1-b${i}`));
    expect(histories[0].map((r) => r.trials.length)).toEqual([9, 3, 1]);
    const trials = await readAll((p) => ctx.store.listTrials('team-a', study.studyId, p));
    const bracket0 = trials.filter((t) => t.bracket === 0);
    const byX = [...bracket0].sort((a, b) => (b.params.x as number) - (a.params.x as number));
    // The promoted ones are exactly the best three at rung 0, and the winner the best of those.
    expect(histories[0][1].trials.map((t) => t.trialId).sort()).toEqual(
      byX
        .slice(0, 3)
        .map((t) => t.trialId)
        .sort(),
    );
    expect(byX[0]).toMatchObject({ state: 'COMPLETE', resource: 9, rung: 2 });
    expect(byX.slice(3).every((t) => t.state === 'PRUNED' && t.resource === 1)).toBe(true);
    // Each step of the winner was measured once, with no epoch trained twice.
    const steps = (await ctx.store.listMeasurements('team-a', study.studyId, byX[0].trialId)).map((m) => m.step);
    expect(steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const best = trials.filter((t) => t.state === 'COMPLETE').sort((a, b) => b.value! - a.value!)[0];
    expect(result).toMatchObject({ state: 'COMPLETED', best: { trialId: best.trialId, resource: 9 } });
  });

  it('makes every step idempotent: retries create, promote and count nothing twice', async () => {
    // Prepare
    const ctx = contexts();
    const study = await createStudy(ctx.service, 'team-a', spec({ limits: { maxTrials: 9, parallelism: 2 } }), undefined);
    await plan(ctx.steps, study);
    // Act: every step delivered twice.
    const first = await suggest(ctx.steps, { team: 'team-a', studyId: study.studyId, bracket: 0 });
    const again = await suggest(ctx.steps, { team: 'team-a', studyId: study.studyId, bracket: 0 });
    for (const slot of first.trials) {
      const started = await startTrial(ctx.steps, slot);
      await startTrial(ctx.steps, slot);
      const { RUNG_PARAMS } = started.job!.env;
      await train(ctx, 'team-a', study.studyId, slot.trialId, 0, 1, JSON.parse(RUNG_PARAMS).x);
      // A retried job reporting other values: refused (409), the first report stands.
      await expect(train(ctx, 'team-a', study.studyId, slot.trialId, 0, 1, 0)).rejects.toThrow(MeasurementConflictError);
      await observe(ctx.steps, slot);
      await observe(ctx.steps, slot);
      // A retried StartTrial after Observe finds the rung done and starts no job.
      expect((await startTrial(ctx.steps, slot)).run).toBe(false);
    }
    const promoted = await promote(ctx.steps, first);
    const promotedAgain = await promote(ctx.steps, first);
    // Assess
    expect(again).toEqual(first);
    const trials = await readAll((p) => ctx.store.listTrials('team-a', study.studyId, p));
    expect(trials).toHaveLength(9);
    expect(promotedAgain.trials).toEqual(promoted.trials);
    expect(trials.filter((t) => t.state === 'PRUNED')).toHaveLength(6);
    // The first report of a step is the one that counts.
    expect(trials.every((t) => t.rungValues[0] === t.params.x)).toBe(true);
  });

  it('marks a trial FAILED when its job fails or never reports the objective, and the bracket goes on', async () => {
    // Prepare
    const ctx = contexts();
    const study = await createStudy(ctx.service, 'team-a', spec({ limits: { maxTrials: 9, parallelism: 2 } }), undefined);
    await plan(ctx.steps, study);
    const rung = await suggest(ctx.steps, { team: 'team-a', studyId: study.studyId, bracket: 0 });
    // Act
    const [a, b, ...rest] = rung.trials;
    await startTrial(ctx.steps, a);
    await observe(ctx.steps, { ...a, jobError: { Error: 'States.TaskFailed', Cause: 'exit code 1' } });
    await startTrial(ctx.steps, b);
    await observe(ctx.steps, b);
    for (const slot of rest) {
      await startTrial(ctx.steps, slot);
      await train(ctx, 'team-a', study.studyId, slot.trialId, 0, 1, 0.5);
      await observe(ctx.steps, slot);
    }
    const next = await promote(ctx.steps, rung);
    // Assess
    expect(await ctx.store.getTrial('team-a', study.studyId, a.trialId)).toMatchObject({
      state: 'FAILED',
      error: 'job failed: States.TaskFailed: exit code 1',
    });
    expect(await ctx.store.getTrial('team-a', study.studyId, b.trialId)).toMatchObject({
      state: 'FAILED',
      error: 'the job never reported the objective metric "acc"',
    });
    expect(next.trials).toHaveLength(3);
  });

  it('fails the study once more trials failed than maxFailedTrials allows', async () => {
    const ctx = contexts();
    const study = await createStudy(
      ctx.service,
      'team-a',
      spec({ limits: { maxTrials: 9, parallelism: 2, maxFailedTrials: 1 } }),
      undefined,
    );
    await plan(ctx.steps, study);
    const rung = await suggest(ctx.steps, { team: 'team-a', studyId: study.studyId, bracket: 0 });
    for (const slot of rung.trials.slice(0, 2)) {
      await startTrial(ctx.steps, slot);
      await observe(ctx.steps, slot);
    }
    await expect(promote(ctx.steps, rung)).rejects.toBeInstanceOf(TooManyFailedTrialsError);
    const failed = await finalize(ctx.steps, {
      team: 'team-a',
      studyId: study.studyId,
      outcome: 'FAILED',
      error: { Error: 'TooManyFailedTrialsError', Cause: '2 trials failed' },
    });
    expect(failed).toMatchObject({ state: 'FAILED' });
    expect((await ctx.store.getStudy('team-a', study.studyId))!.error).toBe('2 trials failed');
  });

  it('stops gracefully: no job starts after a stop, and the study ends STOPPED', async () => {
    // Prepare
    const ctx = contexts();
    const study = await createStudy(ctx.service, 'team-a', spec(), undefined);
    await plan(ctx.steps, study);
    const rung = await suggest(ctx.steps, { team: 'team-a', studyId: study.studyId, bracket: 0 });
    // Act
    await stopStudy(ctx.service, 'team-a', study.studyId);
    const started = await startTrial(ctx.steps, rung.trials[0]);
    const next = await promote(ctx.steps, rung);
    const ended = await finalize(ctx.steps, { team: 'team-a', studyId: study.studyId, outcome: 'COMPLETED' });
    // Assess
    expect(started.run).toBe(false);
    expect(next.done).toBe(true);
    expect(ended.state).toBe('STOPPED');
    const trials = await readAll((p) => ctx.store.listTrials('team-a', study.studyId, p));
    expect(trials.every((t) => t.state === 'PRUNED')).toBe(true);
    await expect(stopStudy(ctx.service, 'team-a', study.studyId)).rejects.toThrow(/already STOPPED/);
  });

  it('suggests the same configurations for the same seed (a retried Suggest is deterministic)', async () => {
    const a = contexts();
    const b = contexts();
    const sa = await createStudy(a.service, 't', spec(), undefined);
    const sb = await createStudy(b.service, 't', spec(), undefined);
    await plan(a.steps, sa);
    await plan(b.steps, sb);
    await suggest(a.steps, { team: 't', studyId: sa.studyId, bracket: 0 });
    await suggest(b.steps, { team: 't', studyId: sb.studyId, bracket: 0 });
    const pa = (await readAll((p) => a.store.listTrials('t', sa.studyId, p))).map((t) => t.params);
    const pb = (await readAll((p) => b.store.listTrials('t', sb.studyId, p))).map((t) => t.params);
    expect(pa).toEqual(pb);
    expect(new Set(pa.map((p) => p.x)).size).toBe(9);
  });
});
