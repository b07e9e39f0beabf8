import type * as z from 'zod';
import { RetryableConflictError } from '../errors.js';
import { readAll } from '../store/port.js';
import { takeEnqueued } from './enqueue.js';
import { jobSpecFor, type JobSpec } from './job.js';
import { issueJobToken } from './job-token.js';
import { rungLevelsOf } from './ladder.js';
import { searchTrials } from './retrain.js';
import type { laneInputSchema, observeJobInputSchema } from './step-inputs.js';
import type { Study, Trial } from './types.js';
import { assertFailedTrialsWithin, isWinding, overWallClock } from './engine/limits.js';
import { closeNeverRan, openJob, reserveJob, settleJobs } from './engine/ledger.js';
import { newTrial, suggestNew } from './engine/new-trial.js';
import { finishingPromotion, isOrphan, records, schedulerOf } from './engine/rounds.js';
import { afterSliceEnd, endOfSlice } from './engine/rung-end.js';
import { loadStudy, loadTrial, updateTrialWith, type StepContext } from './engine/step-context.js';

export { rungLevelsOf };

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
  const released = await updateTrialWith(ctx, stranded, (t) => {
    if (t.state !== 'RUNNING' || t.claim !== stranded.claim) return undefined;
    const jobs = closeNeverRan(study, t, ctx.now());
    return { ...t, state: 'PAUSED', error: 'released: a duplicate NextJob stranded its claim; the next lane runs this rung', jobs };
  });
  // Only this trial's closed record: a reservation of a job not started yet may be the adopter's.
  await settleJobs(ctx, study, released, false);
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
      if (adopted)
        return adopted.state === 'WAITING'
          ? startNew(ctx, study, position, adopted, levels)
          : jobFor(ctx, study, position, adopted, levels);
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
            ? {
                ...t,
                state: 'RUNNING',
                rung: t.rung + 1,
                claim,
                jobs: [...(t.jobs ?? []), openJob(ctx, t.rung + 1, reservation.forecastUsd)],
              }
            : undefined,
        );
        if (claimed.claim === claim) return await jobFor(ctx, study, position, claimed, levels);
        await settleJobs(ctx, study, claimed);
      } catch (e) {
        if (!(e instanceof RetryableConflictError)) throw e;
        await settleJobs(ctx, study, await loadTrial(ctx, target));
      }
      continue; // another lane promoted it first: decide again
    }
    if (decision.decision === 'WAIT' || trials.length >= study.spec.limits.maxTrials) return none;

    const number = trials.reduce((n, t) => Math.max(n, t.number + 1), 0);
    const [params] = await suggestNew(ctx, study, trials, [number], levels.at(-1)!);
    const { trial, created } = await ctx.store.createTrial(newTrial(ctx, study, number, params, { claim }));
    if (created) return startNew(ctx, study, position, trial, levels);
    // Another lane created that number first: decide again with it in view.
  }
  throw new RetryableConflictError(`lane ${input.lane} could not claim a job after 50 tries`);
}

/** Takes an orphan over with one conditional write; an interrupted slice restarts (budget first). */
async function adopt(
  ctx: StepContext,
  study: Study,
  orphan: Trial,
  claim: string,
  levels: number[],
): Promise<Trial | 'refused' | undefined> {
  if (orphan.state === 'WAITING') {
    const taken = await updateTrialWith(ctx, orphan, (t) =>
      t.state === 'WAITING' && t.claim === orphan.claim ? { ...t, claim } : undefined,
    );
    return taken.claim === claim ? taken : undefined;
  }
  const reservation = await reserveJob(ctx, study, orphan, levels[orphan.rung]);
  if (!reservation.admitted) return 'refused';
  const taken = await updateTrialWith(ctx, orphan, (t) =>
    t.state === 'PAUSED' && t.claim === orphan.claim && t.rungValues[t.rung] === undefined
      ? { ...t, state: 'RUNNING', claim, error: undefined, jobs: [...(t.jobs ?? []), openJob(ctx, t.rung, reservation.forecastUsd)] }
      : undefined,
  );
  if (taken.claim === claim) return taken;
  await settleJobs(ctx, study, taken);
  return undefined;
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
    t.state === 'WAITING'
      ? { ...t, state: 'RUNNING', startedAt: ctx.now().toISOString(), jobs: [...(t.jobs ?? []), openJob(ctx, 0, reservation.forecastUsd)] }
      : undefined,
  );
  if (started.state !== 'RUNNING' || started.claim !== trial.claim) {
    await settleJobs(ctx, study, started);
    return { ...position, run: false };
  }
  return jobFor(ctx, study, position, started, levels);
}

async function jobFor(ctx: StepContext, study: Study, position: LaneInput, trial: Trial, levels: number[]): Promise<LaneJob> {
  const issued = await issueJobToken(ctx, trial, study);
  const job = jobSpecFor(ctx, study, issued.trial, levels[trial.rung], issued.token);
  return { ...position, run: true, trialId: trial.trialId, rung: trial.rung, job };
}

/**
 * Ends the job's slice (shared/study/engine/rung-end.ts): PAUSED at its rung (the scheduler may
 * promote it), COMPLETE at the top rung, FAILED when the job failed or stopped short of its rung.
 * Returns the lane's next position.
 */
export async function observeJob(ctx: StepContext, input: z.infer<typeof observeJobInputSchema>): Promise<LaneInput> {
  const next: LaneInput = { team: input.team, studyId: input.studyId, lane: input.lane, round: input.round, jobIndex: input.jobIndex + 1 };
  const study = await loadStudy(ctx, input);
  const levels = rungLevelsOf(study);
  const slice = { ...input, target: levels[input.rung], top: input.rung === levels.length - 1 };
  const end = await endOfSlice(ctx, study, slice);
  const trial = end.change ? await updateTrialWith(ctx, input, end.change) : end.trial;
  await afterSliceEnd(ctx, study, trial, input.rung);
  return next;
}
