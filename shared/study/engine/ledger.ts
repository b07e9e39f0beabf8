import { jobQueues } from '../job.js';
import { hourlyPrice, jobCostUsd, jobForecastUsd } from '../../cost/cost.js';
import type { Study, StudyCost, Trial, TrialJob } from '../types.js';
import { updateStudyWith, type StepContext } from './step-context.js';

/**
 * The cost ledger of a study's jobs, one for both paths: a job is opened (its record on the
 * trial, with its forecast reserved against `limits.maxCostUsd`), closed (its runtime and cost)
 * and settled (moved from reserved to spent on the study), each step idempotent.
 */

/** How a job ended, as the state that ran it passes it on (the `.sync` job's result or error). */
export interface JobOutcome {
  /** The job as TrainTrial ran it (shared/study/job.ts JobSpec): its `queue` says on which purchase option. */
  job?: unknown;
  jobError?: { Error?: string; Cause?: string };
  /** Batch's StartedAt/StoppedAt (epoch ms) of the job and of each attempt, when the state keeps the job's description. */
  jobResult?: { StartedAt?: number; StoppedAt?: number; AttemptsStartedAt?: number[]; AttemptsStoppedAt?: number[] };
}

/**
 * USD per hour and seconds per resource unit of the study's jobs, when they can be priced; at the
 * on-demand rate for a job that ran on the on-demand queue (a Spot study's slice that waited too
 * long for Spot capacity: the workflow's OnDemandInstead).
 */
function pricingOf(study: Study, outcome?: JobOutcome): { usdPerHour: number; secondsPerResource?: number } | undefined {
  const onDemand = (outcome?.job as { queue?: unknown } | undefined)?.queue === jobQueues.indexOf('onDemand');
  const spec = onDemand && study.spec.trial.spot ? { ...study.spec, trial: { ...study.spec.trial, spot: false } } : study.spec;
  const { usdPerHour } = hourlyPrice(spec);
  return usdPerHour === undefined ? undefined : { usdPerHour, secondsPerResource: study.spec.trial.secondsPerResource };
}

const reservationKey = (trialId: string, jobIndex: number) => `${trialId}#${jobIndex}`;
const emptyCost = (): StudyCost => ({ spentUsd: 0, reservedUsd: {} });
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/**
 * Admits the trial's next job against `limits.maxCostUsd`: one compare-and-set on the study
 * reserves the job's forecast unless spent + reserved + forecast would cross the budget. The key
 * is the job's index on the trial, so a retried step reserves nothing twice.
 */
export async function reserveJob(
  ctx: StepContext,
  study: Study,
  trial: Trial,
  resourceTo: number,
): Promise<{ admitted: boolean; forecastUsd?: number }> {
  const pricing = pricingOf(study);
  const forecastUsd =
    pricing?.secondsPerResource === undefined
      ? undefined
      : jobForecastUsd(pricing.usdPerHour, pricing.secondsPerResource, trial.resource, resourceTo);
  const max = study.spec.limits.maxCostUsd;
  if (max === undefined || forecastUsd === undefined) return { admitted: true, forecastUsd };
  const key = reservationKey(trial.trialId, trial.jobs?.length ?? 0);
  let admitted = false;
  await updateStudyWith(ctx, study, (s) => {
    const cost = s.cost ?? emptyCost();
    admitted = key in cost.reservedUsd;
    if (admitted) return undefined;
    const committed = cost.spentUsd + sum(Object.values(cost.reservedUsd));
    if (committed + forecastUsd > max * (1 + 1e-12))
      return cost.budgetExhausted ? undefined : { ...s, cost: { ...cost, budgetExhausted: true } };
    admitted = true;
    return { ...s, cost: { ...cost, reservedUsd: { ...cost.reservedUsd, [key]: forecastUsd } } };
  });
  return { admitted, forecastUsd };
}

/** The record of a job that starts now, at `rung`, with the forecast its reservation admitted. */
export function openJob(ctx: Pick<StepContext, 'now'>, rung: number, forecastUsd: number | undefined): TrialJob {
  return { rung, startedAt: ctx.now().toISOString(), ...(forecastUsd !== undefined ? { forecastUsd } : {}) };
}

/**
 * Moves the trial's ended jobs from reserved to spent, each once: the key leaves `reservedUsd` in
 * the same write that adds the job's cost. Reservations of the trial without a started job (a
 * start that stopped between its two writes) are dropped when `dropUnstarted`.
 */
export async function settleJobs(
  ctx: StepContext,
  ref: Pick<Study, 'team' | 'studyId'>,
  trial: Trial,
  dropUnstarted = true,
): Promise<void> {
  const jobs = trial.jobs ?? [];
  const prefix = `${trial.trialId}#`;
  await updateStudyWith(ctx, ref, (s) => {
    if (!s.cost) return undefined;
    const reserved = { ...s.cost.reservedUsd };
    let spent = s.cost.spentUsd;
    let changed = false;
    for (const key of Object.keys(reserved)) {
      if (!key.startsWith(prefix)) continue;
      const job = jobs[Number(key.slice(prefix.length))];
      const running = trial.state === 'RUNNING' && job !== undefined && job.endedAt === undefined;
      if (running || (job === undefined && !dropUnstarted)) continue;
      if (job?.endedAt !== undefined) spent += job.costUsd ?? 0;
      delete reserved[key];
      changed = true;
    }
    return changed ? { ...s, costUsd: spent, cost: { ...s.cost, spentUsd: spent, reservedUsd: reserved } } : undefined;
  });
}

/** Ends the trial's open job: its runtime (from Batch when the state passes it, else from the step times) and cost. */
export function closeJob(study: Study, trial: Trial, at: Date, outcome?: JobOutcome): TrialJob[] | undefined {
  const jobs = [...(trial.jobs ?? [])];
  const last = jobs.at(-1);
  if (!last || last.endedAt !== undefined) return trial.jobs;
  const batch = batchTimes(outcome);
  const seconds = batch ? batch.seconds : Math.max(0, (at.getTime() - Date.parse(last.startedAt)) / 1000);
  const pricing = pricingOf(study, outcome);
  jobs[jobs.length - 1] = {
    ...last,
    endedAt: at.toISOString(),
    seconds,
    ...(pricing ? { costUsd: jobCostUsd(pricing.usdPerHour, seconds) } : {}),
  };
  return jobs;
}

/** Ends the trial's open job as one that never ran (a stranded lane claim): no runtime, no cost. */
export function closeNeverRan(study: Study, trial: Trial, at: Date): TrialJob[] | undefined {
  const priced = pricingOf(study) !== undefined;
  return (trial.jobs ?? []).map((j, i, all) =>
    i === all.length - 1 && j.endedAt === undefined
      ? { ...j, endedAt: at.toISOString(), seconds: 0, ...(priced ? { costUsd: 0 } : {}), neverRan: true }
      : j,
  );
}

/** What the trials' jobs cost in all, where they can be priced (undefined where none could). */
export function jobsCostUsd(trials: Trial[]): number | undefined {
  const priced = trials.flatMap((t) => (t.jobs ?? []).map((j) => j.costUsd)).filter((c): c is number => c !== undefined);
  return priced.length > 0 ? sum(priced) : undefined;
}

/** One attempt's start and stop, epoch ms. */
type AttemptTimes = { StartedAt?: unknown; StoppedAt?: unknown };

/**
 * The job's GPU time: the sum of its attempts' runs (StartedAt to StoppedAt each), so that a
 * retried job pays for every attempt and never for its time in the queue between them. From the
 * `.sync` result's selected fields, or from a failed job's Cause (Batch's whole description).
 */
function batchTimes(outcome?: JobOutcome): { seconds: number } | undefined {
  let attempts: AttemptTimes[] | undefined;
  let job: AttemptTimes | undefined = outcome?.jobResult;
  const result = outcome?.jobResult;
  if (result?.AttemptsStartedAt && result.AttemptsStoppedAt && result.AttemptsStartedAt.length === result.AttemptsStoppedAt.length)
    attempts = result.AttemptsStartedAt.map((StartedAt, i) => ({ StartedAt, StoppedAt: result.AttemptsStoppedAt![i] }));
  if (!job && outcome?.jobError?.Cause) {
    try {
      const described = JSON.parse(outcome.jobError.Cause) as AttemptTimes & { Attempts?: AttemptTimes[] };
      job = described;
      attempts = Array.isArray(described.Attempts) ? described.Attempts : undefined;
    } catch {
      job = undefined;
    }
  }
  const runs = attempts && attempts.length > 0 ? attempts : job ? [job] : [];
  // An attempt that never started a container (CannotStartContainerError) has no StartedAt: no GPU time.
  const ran = runs.filter(
    (r): r is { StartedAt: number; StoppedAt: number } =>
      typeof r.StartedAt === 'number' && typeof r.StoppedAt === 'number' && r.StoppedAt >= r.StartedAt,
  );
  return ran.length > 0 ? { seconds: ran.reduce((sum, r) => sum + (r.StoppedAt - r.StartedAt) / 1000, 0) } : undefined;
}
