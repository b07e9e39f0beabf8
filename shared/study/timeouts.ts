import { maxJobTimeoutSeconds } from './job-environment.js';

/**
 * How long the workflow's long states may take. Step Functions bounds a Standard execution at a
 * year and a Task's TimeoutSeconds at 99,999,999 s; the spec bounds `trial.timeout` (60 s to 14 days)
 * and `trial.retries` (at most 10 attempts), so that the fixed timeouts below cover every study the
 * spec accepts: no state times out while its job may still legitimately run. Batch's own
 * per-attempt timeout (the study's `trial.timeout`) bounds each job far more tightly.
 *
 * Not a path from the state input: aws-local-stepfunctions reads TimeoutSecondsPath from the
 * effective input (after Parameters), which for a service task holds only the API's parameters.
 */
export const maxExecutionSeconds = 365 * 86_400;
/** Batch allows 10 attempts of a job (`trial.retries` at most 9). */
export const maxJobAttempts = 10;
/** Time a job may wait in its queue (RUNNABLE: capacity, instance start, image pull) on top of its attempts. */
export const jobQueueAllowanceSeconds = 6 * 3600;
/** TrainTrial's state timeout: every attempt of the longest job the spec allows, and its queue time (140.25 days). */
export const trainTaskTimeoutSeconds = maxJobAttempts * maxJobTimeoutSeconds + jobQueueAllowanceSeconds;
/** A bracket's or lane's child execution: as long as a Standard execution may run. */
export const childTaskTimeoutSeconds = maxExecutionSeconds;
