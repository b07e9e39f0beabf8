import { RungError } from '../../errors.js';
import type { Study, Trial } from '../types.js';
import type { StepContext } from './step-context.js';

/** Raised by Promote and NextJob when a study has more failed trials than `limits.maxFailedTrials`. */
export class TooManyFailedTrialsError extends RungError {}

/**
 * Fails the step (and so the execution, which MarkFailed then records) once more search trials
 * failed than `limits.maxFailedTrials` allows: Promote checks it between rungs, NextJob and
 * Replan before each new job of an asynchronous study.
 */
export function assertFailedTrialsWithin(study: Study, trials: Trial[]): void {
  const maxFailed = study.spec.limits.maxFailedTrials;
  if (maxFailed === undefined) return;
  const failed = trials.filter((t) => t.state === 'FAILED' && t.phase !== 'retrain').length;
  if (failed > maxFailed) throw new TooManyFailedTrialsError(`${failed} trials failed, more than limits.maxFailedTrials (${maxFailed})`);
}

/** Stopping, or ended: no new job starts. */
export function isWinding(study: Study): boolean {
  return study.state !== 'RUNNING';
}

export function overWallClock(ctx: StepContext, study: Study): boolean {
  const limit = study.spec.limits.maxWallClock;
  return limit !== undefined && ctx.now().getTime() - Date.parse(study.createdAt) > limit * 1000;
}
