import { pickBest } from '../best.js';
import type { CasContext } from '../cas.js';
import { outcomeFields, rungOutcome } from '../objectives.js';
import { isRetrainTrial } from '../retrain.js';
import type { Measurement, Study, Trial } from '../types.js';
import { closeJob, settleJobs, type JobOutcome } from './ledger.js';
import { loadTrial, updateStudyWith, type StepContext } from './step-context.js';

/**
 * The end of a trial's rung slice, one for both paths (Observe after a bracket's job, ObserveJob
 * after a lane's): the trial ends the slice PAUSED (awaiting promotion), COMPLETE or INFEASIBLE at
 * its top rung, PRUNED when a person stopped it, or FAILED.
 *
 * The rule for what the job reported: the slice's measurements are those up to its target (the
 * rung's resource). A slice whose job failed, or whose last reported step is short of the target,
 * is a failed slice: the value at an earlier step (the previous rung's, or a job that stopped
 * early) is not the rung's result, and ranking it against complete rungs would promote on an
 * unequal budget. A slice that reached its target records the objective at its last reported
 * step, and `resource` becomes that step: what the job reported, never more (the checkpoint holds
 * what the job trained, and the next slice resumes from it).
 *
 * The step that ends the slice writes the trial itself (the change is built here): fault tests
 * name a write by the function that makes it, and each path's step has its own.
 */
export interface Slice extends JobOutcome {
  trialId: string;
  rung: number;
  /** The rung's resource: how far the job was to train. */
  target: number;
  /** The trial's top rung: the slice ends the trial. */
  top: boolean;
}

export type SliceEnd =
  /** The trial still runs the slice: write `change` (a compare-and-set), then afterSliceEnd. */
  | { trial: Trial; change: (t: Trial) => Trial | undefined }
  /** A retried step: the trial's write happened; afterSliceEnd repeats what may not have. */
  | { trial: Trial; change?: undefined };

function runsSlice(trial: Trial, slice: Slice): boolean {
  return trial.state === 'RUNNING' && trial.rung === slice.rung;
}

/** Reads the trial and what its job reported, and builds the trial's end of the slice. */
export async function endOfSlice(ctx: StepContext, study: Study, slice: Slice): Promise<SliceEnd> {
  const trial = await loadTrial(ctx, { team: study.team, studyId: study.studyId, trialId: slice.trialId });
  if (!runsSlice(trial, slice)) return { trial };
  const measurements = await ctx.store.listMeasurements(study.team, study.studyId, trial.trialId);
  const now = ctx.now();
  return { trial, change: (t) => (runsSlice(t, slice) ? sliceEnded(study, t, slice, measurements, now) : undefined) };
}

/** The trial at the end of the slice (pure; the rule above). */
export function sliceEnded(
  study: Study,
  t: Trial,
  slice: Slice,
  measurements: readonly Pick<Measurement, 'step' | 'metrics'>[],
  now: Date,
): Trial {
  const metric = study.spec.objective.metric;
  const last = measurements.filter((m) => m.step <= slice.target && Number.isFinite(m.metrics[metric])).at(-1);
  const outcome = rungOutcome(study.spec, measurements, slice.target, slice.top);
  const at = now.toISOString();
  const jobs = closeJob(study, t, now, slice);
  if (slice.jobError || !last || last.step < slice.target) {
    const why = slice.jobError
      ? jobFailure(slice.jobError)
      : last
        ? `the job stopped at ${last.step}, before its rung at ${slice.target}`
        : `the job never reported the objective metric "${metric}"`;
    return { ...t, state: 'FAILED', error: why, endedAt: at, jobs };
  }
  if (outcome.missing) return { ...t, state: 'FAILED', error: outcome.missing, endedAt: at, jobs, ...outcomeFields(outcome) };
  const rungValues = [...t.rungValues];
  rungValues[slice.rung] = last.metrics[metric];
  // A trial a person stopped keeps its last result but is not promoted; one that ends violating a constraint is INFEASIBLE.
  const state = t.stopRequested ? 'PRUNED' : slice.top ? (outcome.feasible === false ? 'INFEASIBLE' : 'COMPLETE') : 'PAUSED';
  // Every state but PAUSED ends the trial.
  const endedAt = state === 'PAUSED' ? t.endedAt : at;
  return { ...t, state, resource: last.step, rungValues, value: last.metrics[metric], endedAt, jobs, ...outcomeFields(outcome) };
}

/** The writes after the slice's end, idempotent (a retried step repeats them): the study's best, and the job's cost. */
export async function afterSliceEnd(ctx: StepContext, study: Study, trial: Trial, rung: number): Promise<void> {
  if (trial.rung === rung && (trial.state === 'PAUSED' || trial.state === 'COMPLETE' || trial.state === 'INFEASIBLE'))
    await recordBest(ctx, study, trial);
  await settleJobs(ctx, study, trial, false);
}

/** Makes the trial the study's best if it is (shared/study/best.ts), or no longer if it became infeasible. */
export async function recordBest(ctx: CasContext, study: Pick<Study, 'team' | 'studyId'>, trial: Trial): Promise<void> {
  await updateStudyWith(ctx, study, (s) => {
    // Once the retraining is planned, the study's answer is its best retrained trial.
    if (s.retrain !== undefined && !isRetrainTrial(trial)) return undefined;
    const best = pickBest(s.spec.objective.goal, s.best, trial);
    return best === s.best ? undefined : { ...s, best };
  });
}

/** How much of a failed job's story a trial keeps: the end of it, where the error is. */
const maxFailureChars = 2000;

/**
 * Why a job failed, as people read it: Batch's status reason and exit code, then the end of the
 * container's reason (the local runtime puts the log's last lines there; on AWS it names what
 * stopped the container), not the first characters of the job description's JSON, where a
 * traceback's last line (`ModuleNotFoundError: ...`) would be cut off.
 */
export function jobFailure(error: { Error?: string; Cause?: string }): string {
  const head = `job failed: ${error.Error ?? 'error'}`;
  if (!error.Cause) return head;
  let described: { StatusReason?: string; Container?: { ExitCode?: number | null; Reason?: string } } | undefined;
  try {
    const parsed: unknown = JSON.parse(error.Cause);
    if (parsed && typeof parsed === 'object') described = parsed as typeof described;
  } catch {
    // Not a job description (a timeout, a service error): its text as it is.
  }
  if (!described) return `${head}: ${tail(error.Cause)}`;
  const exit = described.Container?.ExitCode;
  const said = described.StatusReason ?? '';
  const status =
    exit === undefined || exit === null || said.includes(`exit code ${exit}`)
      ? said
      : [said, `exit code ${exit}`].filter(Boolean).join(', ');
  const reason = described.Container?.Reason?.trim();
  return `${head}${status ? `: ${status}` : ''}${reason ? `\n${tail(reason)}` : ''}`;
}

function tail(text: string): string {
  return text.length <= maxFailureChars ? text : `…${text.slice(-maxFailureChars)}`;
}
