import { defaultCheckpointSeconds, defaultJobTimeoutSeconds, type JobEnvName } from './job-environment.js';
import type { StepContext } from './engine/step-context.js';
import type { Study, Trial } from './types.js';

/**
 * The stack's job queues, in the order TrainTrial indexes them with `JobSpec.queue`: Spot (a job
 * that waits too long for capacity is cancelled and runs again on demand), and on-demand.
 */
export const jobQueues = ['spot', 'onDemand'] as const;

/**
 * The start of the status reason of a job that Batch cancelled after it waited RUNNABLE past a
 * queue's time limit (AWS Batch, "Jobs stuck in RUNNABLE"): on the Spot queue, the workflow then
 * runs the slice on the on-demand queue.
 */
export const runnableLimitReason = 'Canceled by JobStateTimeLimit action due to reason: ';

/** What the TrainTrial state hands to Batch (or to a local process): docs/workflow.md, the job contract. */
export interface JobSpec {
  jobName: string;
  /** Index into jobQueues: the study's `trial.spot` (false forces on-demand). */
  queue: number;
  command: string[];
  /** Batch attempts: the study's `trial.retries` + 1 (Spot reclaims and exit 143 are retried). */
  attempts: number;
  /** Per-attempt timeout: the study's `trial.timeout`, else the job definition's 12 hours (Batch's minimum is 60 s). */
  timeoutSeconds: number;
  /** Batch container override: the study's `trial.gpus` when at least 1 (empty: the job definition's). */
  resourceRequirements: { Type: 'GPU'; Value: string }[];
  env: Record<JobEnvName, string>;
}

export function checkpointUri(base: string, trial: Pick<Trial, 'team' | 'studyId' | 'trialId'>): string {
  return `${base.replace(/\/+$/, '')}/teams/${trial.team}/studies/${trial.studyId}/trials/${trial.trialId}/checkpoint`;
}

/** `token`: the slice's job token (shared/study/job-token.ts), the job's only credential for the API. */
export function jobSpecFor(ctx: StepContext, study: Study, trial: Trial, resourceTo: number, token: string): JobSpec {
  // A retraining trial runs the retraining program, with its environment over the search's.
  const retrain = trial.phase === 'retrain' ? study.spec.retrain : undefined;
  return {
    // Batch job names: up to 128 letters, digits, hyphens and underscores.
    jobName: `${study.studyId}-t${trial.trialId}-r${trial.rung}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 128),
    queue: jobQueues.indexOf(study.spec.trial.spot ? 'spot' : 'onDemand'),
    command: retrain?.command ?? study.spec.trial.command,
    attempts: study.spec.trial.retries + 1,
    timeoutSeconds: Math.max(60, Math.round(study.spec.trial.timeout ?? defaultJobTimeoutSeconds)),
    resourceRequirements: study.spec.trial.gpus > 0 ? [{ Type: 'GPU', Value: String(study.spec.trial.gpus) }] : [],
    env: {
      RUNG_TEAM: study.team,
      RUNG_STUDY_ID: study.studyId,
      RUNG_TRIAL_ID: trial.trialId,
      RUNG_PARAMS: JSON.stringify(trial.params),
      RUNG_RESOURCE_FROM: String(trial.resource),
      RUNG_RESOURCE_TO: String(resourceTo),
      RUNG_RUNG: String(trial.rung),
      RUNG_CHECKPOINT_URI: checkpointUri(ctx.artifactBaseUri, trial),
      RUNG_CHECKPOINT_SECONDS: String(study.spec.trial.checkpoint?.everySeconds ?? defaultCheckpointSeconds),
      // Empty: no step count; the seconds alone decide.
      RUNG_CHECKPOINT_STEPS: study.spec.trial.checkpoint?.everySteps === undefined ? '' : String(study.spec.trial.checkpoint.everySteps),
      RUNG_API_URL: study.apiUrl ?? '',
      RUNG_API_TOKEN: token,
      RUNG_ENV: JSON.stringify({ ...study.spec.trial.environment, ...retrain?.environment }),
    },
  };
}
