import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memoryContexts } from '../support/contexts.js';
import { createRng } from '../../shared/rng.js';
import { readAll } from '../../shared/store/port.js';
import { nextJob, observeJob, rungLevelsOf, type LaneJob } from '../../shared/study/lanes.js';
import { createStudy, reportMeasurement, resumeStudy } from '../../shared/study/service.js';
import { finalize, plan } from '../../shared/study/workflow.js';

const contexts = () => memoryContexts(2);

const ashaSpec = (maxTrials: number, parallelism: number) => ({
  name: 'lanes',
  objective: { metric: 'acc', goal: 'maximize' },
  parameters: { x: { type: 'float', min: 0, max: 1 } },
  strategy: { sampler: 'random', scheduler: { type: 'asha', min: 1, max: 9, eta: 3 }, seed: 4 },
  limits: { maxTrials, parallelism },
  trial: { command: ['train'] },
});

/** The job: acc = x at every step of its slice (so rankings are by x). */
async function train(ctx: ReturnType<typeof contexts>, job: LaneJob) {
  const { RUNG_RESOURCE_FROM, RUNG_RESOURCE_TO, RUNG_PARAMS } = job.job!.env;
  for (let step = Number(RUNG_RESOURCE_FROM) + 1; step <= Number(RUNG_RESOURCE_TO); step++) {
    await reportMeasurement(ctx.service, job.team, job.studyId, job.trialId!, { step, metrics: { acc: JSON.parse(RUNG_PARAMS).x } });
  }
}

/**
 * Runs every lane of a study as the LaneMachines would, with the order of their steps chosen by
 * `pick` (several lanes may be between NextJob and ObserveJob at once), and every NextJob
 * delivered twice when `duplicate` says so.
 */
async function runLanes(ctx: ReturnType<typeof contexts>, studyId: string, pick: (n: number) => number, duplicate: () => boolean) {
  const planned = await plan(ctx.steps, { team: 't', studyId });
  type Lane = { position: { team: string; studyId: string; lane: number; round: number; jobIndex: number }; job?: LaneJob };
  let round = 0;
  let lanes: Lane[] = planned.lanes.map((l) => ({ position: { team: 't', studyId, lane: l.lane, round: l.round, jobIndex: 0 } }));
  const claims: string[] = [];
  while (lanes.length > 0) {
    while (lanes.length > 0) {
      const i = pick(lanes.length);
      const lane = lanes[i];
      if (!lane.job) {
        const job = await nextJob(ctx.steps, lane.position);
        if (duplicate()) expect(await nextJob(ctx.steps, lane.position)).toEqual(job);
        if (!job.run) {
          lanes.splice(i, 1);
          continue;
        }
        claims.push(`${job.trialId}@${job.rung}`);
        if (job.rung! > 0) {
          // ASHA's rule at the moment of the promotion: the trial ranks in the top floor(n / eta)
          // of the n results its rung has so far; or, once no new trial may start and nothing else
          // runs or finished, it is the best of the highest rung (the study's finishing run).
          const k = job.rung! - 1;
          const all = await readAll((p) => ctx.store.listTrials('t', studyId, p));
          const atRung = all
            .filter((t) => t.rungValues[k] !== undefined)
            .sort((a, b) => b.rungValues[k] - a.rungValues[k] || a.number - b.number);
          const rank = atRung.findIndex((t) => t.trialId === job.trialId);
          const finishing = all.every((t) => t.state !== 'COMPLETE' && (t.state !== 'RUNNING' || t.trialId === job.trialId));
          expect(rank).toBeGreaterThanOrEqual(0);
          if (finishing && rank >= Math.floor(atRung.length / 3)) expect(rank).toBe(0);
          else expect(rank).toBeLessThan(Math.floor(atRung.length / 3));
        }
        lane.job = job;
      } else {
        await train(ctx, lane.job);
        lane.position = await observeJob(ctx.steps, { ...lane.job, ...lane.position, trialId: lane.job.trialId!, rung: lane.job.rung! });
        lane.job = undefined;
      }
    }
    const replanned = await plan(ctx.steps, { team: 't', studyId, round: ++round });
    lanes = replanned.lanes.map((l) => ({ position: { team: 't', studyId, lane: l.lane, round: l.round, jobIndex: 0 } }));
  }
  return claims;
}

describe('asynchronous lanes (ASHA)', () => {
  it('plans one lane per worker slot and climbs the rungs min, min*eta, ... max', async () => {
    const ctx = contexts();
    const study = await createStudy(ctx.service, 't', ashaSpec(9, 3), undefined);
    const planned = await plan(ctx.steps, study);
    expect(planned.brackets).toEqual([]);
    expect(planned.lanes.map((l) => l.name)).toEqual([0, 1, 2].map((i) => `${study.studyId}-1-r0-l${i}`));
    expect(rungLevelsOf(study)).toEqual([1, 3, 9]);
  });

  it('never creates a trial twice, never runs a rung twice, and promotes only from the top 1/eta, in any interleaving of lanes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer(),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 4, max: 12 }),
        async (seed, parallelism, maxTrials) => {
          // Prepare
          const ctx = contexts();
          const study = await createStudy(ctx.service, 't', ashaSpec(maxTrials, parallelism), undefined);
          const rng = createRng(seed);
          // Act
          const claims = await runLanes(
            ctx,
            study.studyId,
            (n) => rng.int(0, n - 1),
            () => rng.next() < 0.3,
          );
          await finalize(ctx.steps, { team: 't', studyId: study.studyId, outcome: 'COMPLETED' });
          // Assess
          const trials = await readAll((p) => ctx.store.listTrials('t', study.studyId, p));
          expect(trials).toHaveLength(maxTrials);
          expect(new Set(claims).size).toBe(claims.length);
          for (const t of trials) {
            expect(['COMPLETE', 'PRUNED']).toContain(t.state);
            expect(t.rungValues.every((v) => v === t.params.x)).toBe(true);
            const steps = (await ctx.store.listMeasurements('t', study.studyId, t.trialId)).map((m) => m.step);
            expect(steps).toEqual(Array.from({ length: t.resource }, (_, i) => i + 1));
          }
          // Every study ends with a trial trained to the full budget: the best one.
          const complete = trials.filter((t) => t.state === 'COMPLETE');
          expect(complete.length).toBeGreaterThanOrEqual(1);
          // Nothing stays promotable at the end: ASHA ran out of work, not out of lanes.
          const reached = (k: number) => trials.filter((t) => t.rungValues.length > k).length;
          expect(reached(1)).toBeGreaterThanOrEqual(Math.floor(reached(0) / 3));
          const study2 = (await ctx.store.getStudy('t', study.studyId))!;
          expect(study2.state).toBe('COMPLETED');
        },
      ),
      { numRuns: 25 },
    );
  });

  it('gives a retried NextJob the job it already claimed', async () => {
    const ctx = contexts();
    const study = await createStudy(ctx.service, 't', ashaSpec(4, 2), undefined);
    await plan(ctx.steps, study);
    const position = { team: 't', studyId: study.studyId, lane: 0, round: 0, jobIndex: 0 };
    const first = await nextJob(ctx.steps, position);
    const retried = await nextJob(ctx.steps, position);
    const other = await nextJob(ctx.steps, { ...position, lane: 1 });
    expect(retried).toEqual(first);
    expect(other.trialId).not.toBe(first.trialId);
    expect(first.job!.env).toMatchObject({ RUNG_RESOURCE_FROM: '0', RUNG_RESOURCE_TO: '1', RUNG_RUNG: '0' });
  });

  it('fails a trial whose job stops short of its rung, and the lane goes on', async () => {
    const ctx = contexts();
    const study = await createStudy(ctx.service, 't', ashaSpec(3, 1), undefined);
    await plan(ctx.steps, study);
    const position = { team: 't', studyId: study.studyId, lane: 0, round: 0, jobIndex: 0 };
    const job = await nextJob(ctx.steps, position);
    const next = await observeJob(ctx.steps, {
      ...job,
      trialId: job.trialId!,
      rung: job.rung!,
      jobError: { Error: 'States.TaskFailed', Cause: 'exit code 2' },
    });
    expect(next.jobIndex).toBe(1);
    expect(await ctx.store.getTrial('t', study.studyId, job.trialId!)).toMatchObject({
      state: 'FAILED',
      error: 'job failed: States.TaskFailed: exit code 2',
    });
    expect((await nextJob(ctx.steps, next)).trialId).toBe('1');
  });

  it('starts no job the budget cannot pay for, and ends the rounds instead of planning empty ones', async () => {
    // Prepare: one 1-epoch job is forecast at an hour of a g5.xlarge (1.006 USD on demand).
    const ctx = contexts();
    const spec = {
      ...ashaSpec(6, 2),
      limits: { maxTrials: 6, parallelism: 2, maxCostUsd: 1.5 },
      trial: { command: ['train'], instanceTypes: ['g5.xlarge'], spot: false, secondsPerResource: 3600 },
    };
    const study = await createStudy(ctx.service, 't', spec, undefined);
    await plan(ctx.steps, study);
    // Act: two lanes ask at once; only one forecast fits under 1.5 USD.
    const a = await nextJob(ctx.steps, { team: 't', studyId: study.studyId, lane: 0, round: 0, jobIndex: 0 });
    const b = await nextJob(ctx.steps, { team: 't', studyId: study.studyId, lane: 1, round: 0, jobIndex: 0 });
    const replanned = await plan(ctx.steps, { team: 't', studyId: study.studyId, round: 1 });
    // Assess
    expect([a.run, b.run]).toEqual([true, false]);
    const after = (await ctx.store.getStudy('t', study.studyId))!;
    expect(after.cost).toMatchObject({ budgetExhausted: true });
    expect(Object.values(after.cost!.reservedUsd)).toEqual([1.006]);
    expect(replanned.lanes).toEqual([]);
  });

  it('resumes a failed study: interrupted and never-started trials are adopted and finished, finished slices are kept', async () => {
    // Prepare: attempt 1 starts two jobs, finishes one, and fails with the other running.
    const ctx = contexts();
    const study = await createStudy(ctx.service, 't', ashaSpec(6, 2), undefined);
    await plan(ctx.steps, study);
    const first = await nextJob(ctx.steps, { team: 't', studyId: study.studyId, lane: 0, round: 0, jobIndex: 0 });
    const second = await nextJob(ctx.steps, { team: 't', studyId: study.studyId, lane: 1, round: 0, jobIndex: 0 });
    await train(ctx, first);
    await observeJob(ctx.steps, { ...first, trialId: first.trialId!, rung: first.rung! });
    await finalize(ctx.steps, { team: 't', studyId: study.studyId, outcome: 'FAILED', error: { Error: 'States.Timeout' } });
    const interrupted = (await ctx.store.getTrial('t', study.studyId, second.trialId!))!;
    // Act
    await resumeStudy(ctx.service, 't', study.studyId);
    const rng = createRng(5);
    await runLanes(
      ctx,
      study.studyId,
      (n) => rng.int(0, n - 1),
      () => false,
    );
    await finalize(ctx.steps, { team: 't', studyId: study.studyId, outcome: 'COMPLETED' });
    // Assess
    expect(interrupted).toMatchObject({ state: 'PAUSED', rung: 0, rungValues: [] });
    const trials = await readAll((p) => ctx.store.listTrials('t', study.studyId, p));
    expect(trials).toHaveLength(6);
    expect(trials.every((t) => ['COMPLETE', 'PRUNED'].includes(t.state) && t.rungValues.length > 0)).toBe(true);
    // The slice finished in attempt 1 ran once; the interrupted one ran again.
    const jobsAtRung0 = (id: string) => trials.find((t) => t.trialId === id)!.jobs!.filter((j) => j.rung === 0).length;
    expect(jobsAtRung0(first.trialId!)).toBe(1);
    expect(jobsAtRung0(second.trialId!)).toBe(2);
    expect((await ctx.store.getStudy('t', study.studyId))!.state).toBe('COMPLETED');
  });
});
