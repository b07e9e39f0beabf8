import { describe, expect, it } from 'vitest';
import { FaultyStore } from '../../shared/store/faulty.js';
import { MemoryStore } from '../../shared/store/memory.js';
import { readAll } from '../../shared/store/port.js';
import { executionName, resumeStudy } from '../../shared/study/service.js';
import { plan } from '../../shared/study/workflow.js';
import { accountingAnomalies, outcome, studySpec, team, World } from '../reliability/support/world.js';

describe('resuming a failed study', () => {
  it('runs the rest of the study as a new attempt and never runs a finished trial-rung again', async () => {
    // Prepare: the same study without faults, and one whose Observe fails (write 80 is one of its trial writes).
    const reference = new World({ store: new MemoryStore(), onStepError: 'retry' });
    const refId = await reference.createStudy();
    await reference.run(refId);
    const store = new FaultyStore(new MemoryStore(), { at: 80, when: 'before' });
    const world = new World({ store, onStepError: 'resume' });
    const studyId = await world.createStudy();
    // Act
    await world.run(studyId);
    // Assess
    expect(store.fired?.point).toBeDefined();
    expect(world.resumes).toBe(1);
    // One execution per attempt: the repeated create (replayed by its key) started nothing.
    expect(world.starts).toEqual([studyId, `${studyId}-2`]);
    expect(world.anomalies).toEqual([]);
    expect(await outcome(store.inner, studyId)).toBe(await outcome(reference.store, refId));
    expect(await accountingAnomalies(store.inner, studyId)).toEqual([]);
    expect((await store.inner.getStudy(team, studyId))!.attempt).toBe(2);
    // Jobs: the reference's, plus at most the one slice that the failure cut off.
    expect(world.jobs - reference.jobs).toBeLessThanOrEqual(1);
  });

  it('keeps a failed study resumable: open trials stay open, and resume names a new execution', async () => {
    // Prepare
    const store = new MemoryStore();
    const world = new World({ store, onStepError: 'retry' });
    const studyId = await world.createStudy();
    await plan(world.steps, { team, studyId });
    const { finalize, suggest, startTrial } = await import('../../shared/study/workflow.js');
    const rung = await suggest(world.steps, { team, studyId, bracket: 0 });
    await startTrial(world.steps, rung.trials[0]);
    // Act
    await finalize(world.steps, { team, studyId, outcome: 'FAILED', error: { Error: 'Boom', Cause: 'boom' } });
    const trials = await readAll((p) => store.listTrials(team, studyId, p));
    const resumed = await resumeStudy(world.service, team, studyId);
    const again = await resumeStudy(world.service, team, studyId);
    // Assess
    expect(trials.map((t) => t.state).sort()).toEqual(['PAUSED', ...Array(8).fill('WAITING')]);
    expect(trials.find((t) => t.trialId === rung.trials[0].trialId)!.jobs![0].endedAt).toBeDefined();
    expect(resumed).toMatchObject({ state: 'PENDING', attempt: 2 });
    expect(again.version).toBe(resumed.version);
    expect(executionName(resumed)).toBe(`${studyId}-2`);
    expect((await plan(world.steps, { team, studyId })).brackets[0].name).toBe(`${studyId}-2-b0`);
    await expect(resumeStudy(world.service, team, studyId)).rejects.toThrow(/is RUNNING: only a FAILED study can be resumed/);
  });
});

describe('dollar budget', () => {
  it('starts no job whose forecast would cross maxCostUsd and accounts every job once', async () => {
    // Prepare: about a third of the plan's forecast.
    const store = new MemoryStore();
    const world = new World({ store, onStepError: 'retry' });
    const studyId = await world.createStudy(studySpec({ limits: { maxTrials: 12, parallelism: 3, maxFailedTrials: 12, maxCostUsd: 0.1 } }));
    // Act
    await world.run(studyId);
    // Assess
    const study = (await store.getStudy(team, studyId))!;
    const trials = await readAll((p) => store.listTrials(team, studyId, p));
    const jobs = trials.flatMap((t) => t.jobs ?? []);
    expect(study.state).toBe('COMPLETED');
    expect(study.cost).toMatchObject({ budgetExhausted: true, reservedUsd: {} });
    expect(study.costUsd).toBeCloseTo(
      jobs.reduce((s, j) => s + j.costUsd!, 0),
      10,
    );
    // Admitted forecasts fit the budget; the spend exceeds it by at most the jobs' overruns.
    const overrun = jobs.reduce((s, j) => s + Math.max(0, j.costUsd! - j.forecastUsd!), 0);
    expect(study.costUsd!).toBeLessThanOrEqual(0.1 + overrun);
    expect(jobs.length).toBeLessThan(world.jobs + 1);
    expect(await accountingAnomalies(store, studyId)).toEqual([]);
  });

  it('refuses a budget it cannot price, naming the field', async () => {
    const world = new World({ store: new MemoryStore(), onStepError: 'retry' });
    const res = await world.request('POST', '/studies', studySpec({ trial: { command: ['train'], instanceTypes: ['zz9.huge'] } }));
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual(['trial.secondsPerResource', 'trial.instanceTypes.0']);
  });
});
