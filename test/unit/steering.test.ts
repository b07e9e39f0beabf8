import { describe, expect, it } from 'vitest';
import { memoryContexts } from '../support/contexts.js';
import { readAll } from '../../shared/store/port.js';
import { enqueueConfigs } from '../../shared/study/enqueue.js';
import { createStudy, reportMeasurement } from '../../shared/study/service.js';
import { patchStudy, stopTrial } from '../../shared/study/steering.js';
import { observe, plan, promote, startTrial, suggest } from '../../shared/study/workflow.js';

/** Steering a workflow study through its steps: enqueued configs, stopped trials, a lowered maxTrials. */
const contexts = () => memoryContexts();

const spec = (overrides: Record<string, unknown> = {}) => ({
  name: 'steer',
  objective: { metric: 'acc', goal: 'maximize' },
  parameters: { x: { type: 'float', min: 0, max: 1 }, kind: { type: 'categorical', values: ['a', 'b'] } },
  strategy: { scheduler: { type: 'fifo', max: 1 }, seed: 3 },
  limits: { maxTrials: 4, parallelism: 2 },
  trial: { command: ['train'] },
  ...overrides,
});

describe('steering a workflow study', () => {
  it('runs enqueued configurations first, in order, each once, even when StartTrial is retried', async () => {
    // Prepare: fifo creates all four trials at Suggest, with the sampler's params.
    const ctx = contexts();
    const study = await createStudy(ctx.service, 'team-a', spec(), undefined);
    await plan(ctx.steps, study);
    const rung = await suggest(ctx.steps, { team: 'team-a', studyId: study.studyId, bracket: 0 });
    // Act
    await enqueueConfigs(ctx.service, 'team-a', study.studyId, {
      configs: [
        { x: 0.25, kind: 'b' },
        { x: 0.75, kind: 'a' },
      ],
    });
    const jobs = [];
    for (const slot of rung.trials) {
      jobs.push(await startTrial(ctx.steps, slot));
      await startTrial(ctx.steps, slot); // a retried step takes no second entry
    }
    // Assess
    expect(jobs.map((j) => JSON.parse(j.job!.env.RUNG_PARAMS))).toEqual([
      { x: 0.25, kind: 'b' },
      { x: 0.75, kind: 'a' },
      expect.not.objectContaining({ x: 0.25 }),
      expect.not.objectContaining({ x: 0.75 }),
    ]);
    const trials = await readAll((p) => ctx.store.listTrials('team-a', study.studyId, p));
    expect(trials.map((t) => t.enqueuedId)).toEqual(['q0', 'q1', undefined, undefined]);
    const stored = await ctx.store.getStudy('team-a', study.studyId);
    expect(stored!.enqueued!.map((e) => [e.id, e.trialId])).toEqual([
      ['q0', '0'],
      ['q1', '1'],
    ]);
  });

  it('rejects enqueued configurations outside the space, naming each problem', async () => {
    const ctx = contexts();
    const study = await createStudy(ctx.service, 'team-a', spec(), undefined);
    await expect(
      enqueueConfigs(ctx.service, 'team-a', study.studyId, { configs: [{ x: 2, kind: 'c' }, { x: 0.5 }] }),
    ).rejects.toMatchObject({
      issues: [
        { path: 'configs.0.x', message: 'must be a number in [0, 1]' },
        { path: 'configs.0.kind', message: 'must be one of ["a","b"]' },
        { path: 'configs.1.kind', message: 'is required' },
      ],
    });
  });

  it('stops trials: a waiting one is pruned at once, a running one is told to stop and ends PRUNED', async () => {
    // Prepare
    const ctx = contexts();
    const study = await createStudy(ctx.service, 'team-a', spec(), undefined);
    await plan(ctx.steps, study);
    const rung = await suggest(ctx.steps, { team: 'team-a', studyId: study.studyId, bracket: 0 });
    const slot = rung.trials[0];
    await startTrial(ctx.steps, slot);
    // Act
    const waiting = await stopTrial(ctx.service, 'team-a', study.studyId, '3');
    const running = await stopTrial(ctx.service, 'team-a', study.studyId, slot.trialId);
    const answer = await reportMeasurement(ctx.service, 'team-a', study.studyId, slot.trialId, { step: 1, metrics: { acc: 0.9 } });
    await observe(ctx.steps, slot);
    const skipped = await startTrial(ctx.steps, rung.trials[3]);
    // Assess
    expect(waiting).toMatchObject({ state: 'PRUNED', stopRequested: true });
    expect(running).toMatchObject({ state: 'RUNNING', stopRequested: true });
    expect(answer.shouldStop).toBe(true);
    expect(await ctx.store.getTrial('team-a', study.studyId, slot.trialId)).toMatchObject({ state: 'PRUNED', value: 0.9 });
    expect(skipped.run).toBe(false);
    await expect(stopTrial(ctx.service, 'team-a', study.studyId, '3')).rejects.toThrow('already PRUNED');
  });

  it('lowers maxTrials: fifo prunes trials not started above it; hyperband trims brackets not started', async () => {
    // fifo
    const ctx = contexts();
    const fifo = await createStudy(ctx.service, 'team-a', spec(), undefined);
    await plan(ctx.steps, fifo);
    const rung = await suggest(ctx.steps, { team: 'team-a', studyId: fifo.studyId, bracket: 0 });
    await startTrial(ctx.steps, rung.trials[0]);
    await expect(patchStudy(ctx.service, 'team-a', fifo.studyId, { limits: { maxTrials: 0 } })).rejects.toThrow();
    await expect(patchStudy(ctx.service, 'team-a', fifo.studyId, { limits: { maxTrials: 9 } })).rejects.toThrow('can only be lowered');
    const lowered = await patchStudy(ctx.service, 'team-a', fifo.studyId, { limits: { maxTrials: 2, parallelism: 3 } });
    const trials = await readAll((p) => ctx.store.listTrials('team-a', fifo.studyId, p));
    expect(lowered.spec.limits).toMatchObject({ maxTrials: 2, parallelism: 3 });
    expect(trials.map((t) => t.state)).toEqual(['RUNNING', 'WAITING', 'PRUNED', 'PRUNED']);
    // Parallelism holds from the next rung: Promote's plan carries it.
    await expect(patchStudy(ctx.service, 'team-a', fifo.studyId, { limits: {} })).rejects.toThrow('must change');

    // hyperband 1..9 eta 3: brackets of 9, 5 and 3 trials for maxTrials 17.
    const hb = await createStudy(
      ctx.service,
      'team-a',
      spec({ strategy: { scheduler: { type: 'hyperband', min: 1, max: 9, eta: 3 }, seed: 2 }, limits: { maxTrials: 17, parallelism: 2 } }),
      undefined,
    );
    const planned = await plan(ctx.steps, hb);
    const first = await suggest(ctx.steps, { team: 'team-a', studyId: hb.studyId, bracket: 0 });
    await expect(patchStudy(ctx.service, 'team-a', hb.studyId, { limits: { maxTrials: 8 } })).rejects.toThrow('must be at least 9');
    await patchStudy(ctx.service, 'team-a', hb.studyId, { limits: { maxTrials: 9, parallelism: 1 } });
    const next = await promote(ctx.steps, first);
    const trimmed = await suggest(ctx.steps, { team: 'team-a', studyId: hb.studyId, bracket: 1 });
    expect(planned.brackets).toHaveLength(3);
    expect(next.parallelism).toBe(1);
    expect(trimmed).toMatchObject({ done: true, trials: [] });
  });
});
