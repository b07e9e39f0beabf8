import type { z } from 'zod';
import { RetryableConflictError } from '../errors.js';
import { hourlyPrice } from '../cost/cost.js';
import { createRng, deriveSeed } from '../rng.js';
import { samplerFor } from '../samplers/registry.js';
import { ashaScheduler } from '../schedulers/asha.js';
import { rungLevels } from '../schedulers/rungs.js';
import type { Scheduler, TrialRecord, TrialStatus } from '../schedulers/scheduler.js';
import { SearchSpace } from '../space/space.js';
import { readAll } from '../store/port.js';
import { orient } from './best.js';
import { jobSpecFor, type JobSpec } from './job.js';
import type { Study, Trial } from './types.js';
import { takeEnqueued } from './enqueue.js';
import { observationOf, outcomeFields, rungOutcome } from './objectives.js';
import { observationsFor, studySampler, type RungResult } from './observed.js';
import { searchTrials } from './retrain.js';
import type { laneInputSchema, observeJobInputSchema } from './step-inputs.js';
import type { TrialJob } from './types.js';
import {
  assertFailedTrialsWithin,
  closeJob,
  isWinding,
  loadStudy,
  loadTrial,
  overWallClock,
  recordBest,
  reserveJob,
  settleJobs,
  updateTrialWith,
  type StepContext,
} from './workflow.js';

/**
 * The asynchronous path (docs/workflow.md, LaneMachine): each lane is one worker slot that asks
 * the scheduler for its next job (promote a paused trial, or start a new one), trains it, and
 * asks again. Lanes race each other, so every claim is one conditional write: creating trial
 * number n, or moving a PAUSED trial to RUNNING. A claim records its lane position, so a retried
 * NextJob returns the job it already claimed instead of claiming a second one.
 */

/** Jobs per lane execution: about 18 history events each keeps a lane far below 25,000. */
export const maxJobsPerLane = 1000;

export type LaneInput = z.infer<typeof laneInputSchema>;

export interface LaneJob extends LaneInput {
  run: boolean;
  trialId?: string;
  rung?: number;
  job?: JobSpec;
}

function isAsha(study: Study): boolean {
  return study.spec.strategy.scheduler.type === 'asha';
}

export function rungLevelsOf(study: Study): number[] {
  const s = study.spec.strategy.scheduler;
  if (s.type !== 'asha') throw new Error(`study ${study.studyId} does not run lanes`);
  return rungLevels(s.min, s.max, s.eta, Number.isInteger(s.min) && Number.isInteger(s.max));
}

function schedulerOf(study: Study): Scheduler {
  const s = study.spec.strategy.scheduler;
  if (s.type !== 'asha') throw new Error(`study ${study.studyId} does not run lanes`);
  return ashaScheduler({ minResource: s.min, maxResource: s.max, eta: s.eta, type: 'promotion' });
}

const statusOf: Record<Trial['state'], TrialStatus> = {
  WAITING: 'RUNNING',
  RUNNING: 'RUNNING',
  PAUSED: 'PAUSED',
  COMPLETE: 'COMPLETE',
  PRUNED: 'STOPPED',
  FAILED: 'STOPPED',
  INFEASIBLE: 'STOPPED',
};

/** The scheduler's view of the stored trials: scores at the rung levels they reached. */
function records(study: Study, trials: Trial[]): TrialRecord[] {
  const levels = rungLevelsOf(study);
  const goal = study.spec.objective.goal;
  return trials.map((t) => {
    const scores: number[] = [];
    t.rungValues.forEach((v, k) => {
      // A trial that violates a constraint (a property of its configuration: size, latency) ranks below every feasible one.
      if (v !== undefined && v !== null) scores[levels[k] - 1] = t.feasible === false ? -Infinity : orient(goal, v);
    });
    // A paused trial a person stopped is out of the race.
    const status = t.stopRequested && t.state === 'PAUSED' ? 'STOPPED' : statusOf[t.state];
    return { id: t.number, params: t.params, bracket: 0, resource: t.resource, status, scores };
  });
}

function resultsOf(study: Study, trials: Trial[]): RungResult[] {
  const levels = rungLevelsOf(study);
  // With objectives or constraints each also carries feasibility and every objective (shared/study/objectives.ts).
  return trials.flatMap((t) =>
    t.rungValues.flatMap((v, k) => (v === undefined || v === null ? [] : [{ trial: t, rung: k, observation: observationOf(study.spec, t, k, v, levels[k]) }])),
  );
}

/** The lanes of one round: as many as the study's parallelism while there is work, none after. */
export async function planLanes(ctx: StepContext, study: Study, round: number) {
  // Every reason NextJob has to start nothing must end the rounds too, or Replan would loop.
  if (!isAsha(study) || isWinding(study) || overWallClock(ctx, study) || study.cost?.budgetExhausted) return [];
  if (round > 0) {
    const trials = searchTrials(await readAll((p) => ctx.store.listTrials(study.team, study.studyId, p)));
    assertFailedTrialsWithin(study, trials);
    if (!hasWork(study, trials, round)) return [];
  }
  return Array.from({ length: study.spec.limits.parallelism }, (_, lane) => ({
    team: study.team,
    studyId: study.studyId,
    lane,
    round,
    name: `${study.studyId}-${study.attempt}-r${round}-l${lane}`,
  }));
}

/**
 * A trial whose lane is gone: created but never started (WAITING), interrupted mid-slice (a
 * failed attempt's Finalize leaves it PAUSED without a result at its rung), or claimed RUNNING
 * by a NextJob copy whose answer the lane never used (see {@link releaseStranded}), under a claim
 * of an earlier round or attempt. Rounds run one after another, so no lane of the current round
 * holds it; the first lane to ask adopts it and runs the slice again from its checkpoint.
 */
function isOrphan(study: Study, trial: Trial, round: number): boolean {
  const mine = `${study.attempt}:${round}:`;
  if ((trial.claim ?? '').startsWith(mine)) return false;
  if (trial.state === 'RUNNING') return trial.claim !== undefined;
  return trial.state === 'WAITING' || (trial.state === 'PAUSED' && trial.rungValues[trial.rung] === undefined);
}

/**
 * Duplicate NextJob deliveries (a Lambda retried while the first invocation still runs) race
 * each other: one copy can read the trials before another lane's result lands and answer "no
 * job", while a later copy reads after it and claims a promotion (or two copies claim different
 * jobs). Step Functions uses one answer; the claim of the other is stranded: RUNNING, with a job
 * record that no lane will ever run. No single-item write can tie "no job" to every trial a later
 * copy might claim, so the stranded claim is repaired instead: once the round is over (Replan runs
 * after every lane of the round ended, and a lane ends only after observing each job it ran), a
 * RUNNING trial under an earlier round's claim never ran its job. One conditional write puts it
 * back to PAUSED without a result at its rung and closes the job record as `neverRan` at no cost;
 * settling moves its reservation to spent (zero), and the trial is then an ordinary orphan,
 * adopted by the next lane that asks. Replan sees it as work, so the study does not end with it.
 * The record stays (rather than being dropped) so that the adopted job's reservation gets a key
 * of its own, which a settle from a snapshot taken before the adoption cannot mistake for the
 * reservation of a job that never started.
 */
async function releaseStranded(ctx: StepContext, study: Study, stranded: Trial): Promise<void> {
  const at = ctx.now().toISOString();
  // As closeJob does: a cost only where the study's jobs are priced.
  const priced = hourlyPrice(study.spec).usdPerHour !== undefined;
  const released = await updateTrialWith(ctx, stranded, (t) => {
    if (t.state !== 'RUNNING' || t.claim !== stranded.claim) return undefined;
    const jobs = (t.jobs ?? []).map((j, i, all) =>
      i === all.length - 1 && j.endedAt === undefined ? { ...j, endedAt: at, seconds: 0, ...(priced ? { costUsd: 0 } : {}), neverRan: true } : j,
    );
    return { ...t, state: 'PAUSED', error: 'released: a duplicate NextJob stranded its claim; the next lane runs this rung', jobs };
  });
  // Only this trial's closed record: a reservation of a job not started yet may be the adopter's.
  await settleJobs(ctx, study, released, false);
}

function hasWork(study: Study, trials: Trial[], round: number): boolean {
  if (trials.some((t) => isOrphan(study, t, round))) return true;
  const next = schedulerOf(study).next(records(study, trials));
  if (next.decision === 'PROMOTE' || (next.decision === 'NEW' && trials.length < study.spec.limits.maxTrials)) return true;
  return finishingPromotion(study, trials) !== undefined;
}

/**
 * ASHA alone may end a small study with no trial trained to the full budget (with 6 trials and
 * eta 3, the 2 at the second rung never make a top third). Once no new trial may start and no
 * other job runs, the best trial of the highest rung reached goes on, rung by rung, so that every
 * study ends with a fully trained winner.
 */
function finishingPromotion(study: Study, trials: Trial[]): Trial | undefined {
  if (trials.length < study.spec.limits.maxTrials) return undefined;
  // A WAITING trial is a job another lane just created and is about to start (statusOf counts it RUNNING too).
  if (trials.some((t) => t.state === 'RUNNING' || t.state === 'WAITING' || t.state === 'COMPLETE')) return undefined;
  const goal = study.spec.objective.goal;
  const paused = trials.filter((t) => t.state === 'PAUSED' && !t.stopRequested);
  const top = Math.max(-1, ...paused.map((t) => t.rung));
  return paused
    .filter((t) => t.rung === top)
    .sort((a, b) => Number(a.feasible === false) - Number(b.feasible === false) || orient(goal, b.rungValues[top]) - orient(goal, a.rungValues[top]) || a.number - b.number)[0];
}

/** Claims the lane's next job: a promotion the scheduler wants, else a new trial while maxTrials allows. */
export async function nextJob(ctx: StepContext, input: LaneInput): Promise<LaneJob> {
  const study = await loadStudy(ctx, input);
  const position: LaneInput = { team: input.team, studyId: input.studyId, lane: input.lane, round: input.round, jobIndex: input.jobIndex };
  const none: LaneJob = { ...position, run: false };
  if (isWinding(study) || overWallClock(ctx, study) || input.jobIndex >= maxJobsPerLane) return none;
  const claim = `${study.attempt}:${input.round}:${input.lane}:${input.jobIndex}`;
  const levels = rungLevelsOf(study);

  for (let attempt = 0; attempt < 50; attempt++) {
    const trials = searchTrials(await readAll((p) => ctx.store.listTrials(study.team, study.studyId, p)));
    const mine = trials.find((t) => t.claim === claim);
    if (mine?.state === 'RUNNING') return jobFor(ctx, study, position, mine, levels);
    // Created by this position, not started yet (a retry after a crash between the two writes).
    if (mine?.state === 'WAITING') return startNew(ctx, study, position, mine, levels);
    if (mine) return none;
    // No new job once too many trials failed: the lane fails, and MarkFailed ends the study FAILED.
    assertFailedTrialsWithin(study, trials);

    const orphan = trials.find((t) => isOrphan(study, t, input.round));
    if (orphan?.state === 'RUNNING') {
      await releaseStranded(ctx, study, orphan);
      continue; // now PAUSED without a result: adopted on the next pass
    }
    if (orphan) {
      const adopted = await adopt(ctx, study, orphan, claim, levels).catch((e: unknown) => {
        if (e instanceof RetryableConflictError) return undefined;
        throw e;
      });
      if (adopted === 'refused') return none;
      if (adopted) return adopted.state === 'WAITING' ? startNew(ctx, study, position, adopted, levels) : jobFor(ctx, study, position, adopted, levels);
      continue; // another lane adopted it first
    }

    const decision = schedulerOf(study).next(records(study, trials));
    const finishing = decision.decision === 'PROMOTE' ? undefined : finishingPromotion(study, trials);
    if (decision.decision === 'PROMOTE' || finishing) {
      const target = finishing ?? trials.find((t) => decision.decision === 'PROMOTE' && t.number === decision.trialId)!;
      // The budget first: a job whose forecast would cross limits.maxCostUsd never starts.
      const reservation = await reserveJob(ctx, study, target, levels[target.rung + 1]);
      if (!reservation.admitted) return none;
      try {
        const claimed = await updateTrialWith(ctx, target, (t) =>
          t.state === 'PAUSED' && t.rung === target.rung && !t.stopRequested
            ? { ...t, state: 'RUNNING', rung: t.rung + 1, claim, jobs: [...(t.jobs ?? []), jobRecord(ctx, t.rung + 1, reservation.forecastUsd)] }
            : undefined,
        );
        if (claimed.claim === claim) return jobFor(ctx, study, position, claimed, levels);
        await settleJobs(ctx, study, claimed);
      } catch (e) {
        if (!(e instanceof RetryableConflictError)) throw e;
        await settleJobs(ctx, study, await loadTrial(ctx, target));
      }
      continue; // another lane promoted it first: decide again
    }
    if (decision.decision === 'WAIT' || trials.length >= study.spec.limits.maxTrials) return none;

    const number = trials.reduce((n, t) => Math.max(n, t.number + 1), 0);
    const space = new SearchSpace(study.spec.parameters);
    const sampler = samplerFor(study.spec.strategy.sampler);
    const suggester = studySampler(ctx, study, sampler, space, observationsFor(sampler, resultsOf(study, trials)));
    const params = await suggester.suggest({
      pending: trials.filter((t) => t.state === 'RUNNING' && t.rungValues.length === 0).map((t) => t.params),
      maxResource: levels.at(-1)!,
      index: number,
      rng: createRng(deriveSeed(study.seed, number)),
    });
    // Before the trial, as Suggest does: the state only caches what the observations determine.
    await suggester.save();
    const at = ctx.now().toISOString();
    const { trial, created } = await ctx.store.createTrial({
      team: study.team,
      studyId: study.studyId,
      trialId: String(number),
      number,
      bracket: 0,
      rung: 0,
      params,
      state: 'WAITING',
      resource: 0,
      rungValues: [],
      claim,
      createdAt: at,
      updatedAt: at,
      version: 0,
    });
    if (created) return startNew(ctx, study, position, trial, levels);
    // Another lane created that number first: decide again with it in view.
  }
  throw new RetryableConflictError(`lane ${input.lane} could not claim a job after 50 tries`);
}

/** Takes an orphan over with one conditional write; an interrupted slice restarts (budget first). */
async function adopt(ctx: StepContext, study: Study, orphan: Trial, claim: string, levels: number[]): Promise<Trial | 'refused' | undefined> {
  if (orphan.state === 'WAITING') {
    const taken = await updateTrialWith(ctx, orphan, (t) => (t.state === 'WAITING' && t.claim === orphan.claim ? { ...t, claim } : undefined));
    return taken.claim === claim ? taken : undefined;
  }
  const reservation = await reserveJob(ctx, study, orphan, levels[orphan.rung]);
  if (!reservation.admitted) return 'refused';
  const taken = await updateTrialWith(ctx, orphan, (t) =>
    t.state === 'PAUSED' && t.claim === orphan.claim && t.rungValues[t.rung] === undefined
      ? { ...t, state: 'RUNNING', claim, error: undefined, jobs: [...(t.jobs ?? []), jobRecord(ctx, t.rung, reservation.forecastUsd)] }
      : undefined,
  );
  if (taken.claim === claim) return taken;
  await settleJobs(ctx, study, taken);
  return undefined;
}

function jobRecord(ctx: StepContext, rung: number, forecastUsd: number | undefined): TrialJob {
  return { rung, startedAt: ctx.now().toISOString(), ...(forecastUsd !== undefined ? { forecastUsd } : {}) };
}

/**
 * Starts a trial this lane created: an enqueued configuration replaces the sampled one, the
 * budget admits the job, then WAITING -> RUNNING. A trial the budget refuses stays WAITING (the
 * study's Finalize prunes it) and the lane ends.
 */
async function startNew(ctx: StepContext, study: Study, position: LaneInput, created: Trial, levels: number[]): Promise<LaneJob> {
  const trial = await takeEnqueued(ctx, study, created, 0);
  const reservation = await reserveJob(ctx, study, trial, levels[0]);
  if (!reservation.admitted) return { ...position, run: false };
  const started = await updateTrialWith(ctx, trial, (t) =>
    t.state === 'WAITING' ? { ...t, state: 'RUNNING', startedAt: ctx.now().toISOString(), jobs: [...(t.jobs ?? []), jobRecord(ctx, 0, reservation.forecastUsd)] } : undefined,
  );
  if (started.state !== 'RUNNING' || started.claim !== trial.claim) {
    await settleJobs(ctx, study, started);
    return { ...position, run: false };
  }
  return jobFor(ctx, study, position, started, levels);
}

function jobFor(ctx: StepContext, study: Study, position: LaneInput, trial: Trial, levels: number[]): LaneJob {
  return { ...position, run: true, trialId: trial.trialId, rung: trial.rung, job: jobSpecFor(ctx, study, trial, levels[trial.rung]) };
}

/**
 * Ends the job's slice: PAUSED at its rung (the scheduler may promote it), COMPLETE at the top
 * rung, FAILED when the job failed or stopped short of its rung. Returns the lane's next position.
 */
export async function observeJob(ctx: StepContext, input: z.infer<typeof observeJobInputSchema>): Promise<LaneInput> {
  const next: LaneInput = { team: input.team, studyId: input.studyId, lane: input.lane, round: input.round, jobIndex: input.jobIndex + 1 };
  const study = await loadStudy(ctx, input);
  const levels = rungLevelsOf(study);
  const current = await loadTrial(ctx, input);
  if (current.state !== 'RUNNING' || current.rung !== input.rung) {
    // A retried ObserveJob: the trial write happened; repeat what may not have (best, cost), which is idempotent.
    if (current.rung === input.rung && (current.state === 'PAUSED' || current.state === 'COMPLETE' || current.state === 'INFEASIBLE')) await recordBest(ctx, study, current);
    await settleJobs(ctx, study, current, false);
    return next;
  }

  const target = levels[input.rung];
  const metric = study.spec.objective.metric;
  const measurements = await ctx.store.listMeasurements(study.team, study.studyId, current.trialId);
  const last = measurements.filter((m) => m.step <= target && Number.isFinite(m.metrics[metric])).at(-1);
  const outcome = rungOutcome(study.spec, measurements, target, input.rung === levels.length - 1);
  const now = ctx.now();
  const at = now.toISOString();
  const trial = await updateTrialWith(ctx, input, (t) => {
    if (t.state !== 'RUNNING' || t.rung !== input.rung) return undefined;
    const jobs = closeJob(study, t, now, input as never);
    if (input.jobError || !last || last.step < target) {
      const why = input.jobError
        ? `job failed: ${input.jobError.Error ?? 'error'}${input.jobError.Cause ? `: ${input.jobError.Cause.slice(0, 500)}` : ''}`
        : last
          ? `the job stopped at ${last.step}, before its rung at ${target}`
          : `the job never reported the objective metric "${metric}"`;
      return { ...t, state: 'FAILED', error: why, endedAt: at, jobs };
    }
    if (outcome.missing) return { ...t, state: 'FAILED', error: outcome.missing, endedAt: at, jobs, ...outcomeFields(outcome) };
    const rungValues = [...t.rungValues];
    rungValues[input.rung] = last.metrics[metric];
    const top = input.rung === levels.length - 1;
    // A trial a person stopped keeps its last result but is not promoted; one that ends violating a constraint is INFEASIBLE.
    const state = t.stopRequested ? 'PRUNED' : top ? (outcome.feasible === false ? 'INFEASIBLE' : 'COMPLETE') : 'PAUSED';
    const fields = outcomeFields(outcome);
    return { ...t, state, resource: last.step, rungValues, value: last.metrics[metric], endedAt: state === 'PAUSED' ? t.endedAt : at, jobs, ...fields };
  });
  if (trial.state === 'COMPLETE' || trial.state === 'PAUSED' || trial.state === 'INFEASIBLE') await recordBest(ctx, study, trial);
  await settleJobs(ctx, study, trial, false);
  return next;
}
