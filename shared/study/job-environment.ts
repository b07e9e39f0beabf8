/**
 * The job contract's constants (docs/workflow.md): the environment every training job receives,
 * in the order of the contract table, and the default time an attempt may take. Constants only,
 * so that infra/ (which imports no runtime code) and the domain share one list.
 */
export const jobEnvNames = [
  'RUNG_TEAM',
  'RUNG_STUDY_ID',
  'RUNG_TRIAL_ID',
  'RUNG_PARAMS',
  'RUNG_RESOURCE_FROM',
  'RUNG_RESOURCE_TO',
  'RUNG_RUNG',
  'RUNG_CHECKPOINT_URI',
  'RUNG_CHECKPOINT_SECONDS',
  'RUNG_CHECKPOINT_STEPS',
  'RUNG_API_URL',
  'RUNG_API_TOKEN',
  'RUNG_ENV',
] as const;
export type JobEnvName = (typeof jobEnvNames)[number];

/** The job definition's timeout, and a study's when `trial.timeout` is absent. */
export const defaultJobTimeoutSeconds = 12 * 3600;
/** Batch's shortest attempt timeout. */
export const minJobTimeoutSeconds = 60;
/** The longest `trial.timeout`: 10 attempts of it stay far inside a Standard execution's year. */
export const maxJobTimeoutSeconds = 14 * 86_400;

/**
 * Seconds between a job's periodic checkpoints when the study sets no `trial.checkpoint.everySeconds`:
 * a Spot reclaim of a standalone task sends no SIGTERM, so what a job saved only at the end of its
 * slice would be lost whole.
 */
export const defaultCheckpointSeconds = 300;
