import type { Params } from '../space/schema.js';
import type { Candidate } from './retrain-schema.js';
import type { StudySpec } from './spec.js';

export type StudyState = 'PENDING' | 'RUNNING' | 'STOPPING' | 'COMPLETED' | 'STOPPED' | 'FAILED';
export const finishedStudyStates: readonly StudyState[] = ['COMPLETED', 'STOPPED', 'FAILED'];

export type TrialState = 'WAITING' | 'RUNNING' | 'PAUSED' | 'COMPLETE' | 'PRUNED' | 'FAILED' | 'INFEASIBLE';

/** The retraining plan (shared/study/retrain.ts), written on the study once (the step that writes it is idempotent). */
export interface RetrainPlan {
  firstTrial: number;
  trials: number;
  /** The best search trial, kept when `best` starts to follow the retraining trials. */
  searchBest?: Study['best'];
}

export interface BestTrial {
  trialId: string;
  value: number;
  resource: number;
  params: Params;
}

export interface Study {
  team: string;
  studyId: string;
  name: string;
  spec: StudySpec;
  state: StudyState;
  /** Seed of every random decision of the study (suggestions are functions of it and the trial number). */
  seed: number;
  /** Increments each time the workflow is started for this study (first start = 1). */
  attempt: number;
  /** Base URL that the study's jobs report to (`.../v1`). */
  apiUrl?: string;
  best?: BestTrial;
  error?: string;
  /** Configurations a person enqueued (shared/study/enqueue.ts); each is used by one trial, before the sampler. */
  enqueued?: EnqueuedConfig[];
  /** Enqueued configurations so far (numbers their ids). */
  enqueuedCount?: number;
  /**
   * Idempotency keys of the latest enqueue requests (at most 100), each with the id number of the
   * first configuration it added: a request retried after its answer was lost adds nothing again.
   */
  enqueueRequests?: { key: string; firstId: number; at: string }[];
  /** Key of the study's job tokens (base64url, shared/study/job-token.ts): drawn on its first job, never shown. */
  jobKey?: string;
  /** Dollars spent so far on the study's jobs (shared/cost: runtime times the instance price), where the jobs can be priced. */
  costUsd?: number;
  /** Budget ledger (only with `limits.maxCostUsd`). */
  cost?: StudyCost;
  /** The retraining phase, once planned (`spec.retrain`, shared/study/retrain.ts); `best` then follows its trials. */
  retrain?: RetrainPlan;
  createdAt: string;
  updatedAt: string;
  /** Compare-and-set version: every write is conditional on it and increments it. */
  version: number;
}

/**
 * The budget ledger of a study with `limits.maxCostUsd`, on the study item so that one
 * compare-and-set admits a job: `reservedUsd` holds the forecast of each started, unsettled job
 * (key `{trialId}#{job index}`); settling a job removes its key and adds its actual cost to
 * `spentUsd` in the same write, so that a job is counted once.
 */
export interface StudyCost {
  spentUsd: number;
  reservedUsd: Record<string, number>;
  /** Set when a job was not started because its forecast would cross `limits.maxCostUsd`. */
  budgetExhausted?: boolean;
}

/** One job of a trial (one rung slice, or a rerun of it after a resume). */
export interface TrialJob {
  rung: number;
  startedAt: string;
  endedAt?: string;
  seconds?: number;
  /** Actual cost (runtime times the hourly price, shared/cost), once the job ended. */
  costUsd?: number;
  forecastUsd?: number;
  /** Recorded by a claim that was stranded and later released (lanes.ts): no job ran, it costs nothing. */
  neverRan?: boolean;
}

export interface EnqueuedConfig {
  id: string;
  params: Params;
  at: string;
  /** The trial that took it; absent while it waits. */
  trialId?: string;
}

export interface Trial {
  team: string;
  studyId: string;
  /** The trial number as a decimal string: deterministic from the bracket plan. */
  trialId: string;
  number: number;
  bracket: number;
  /** Index of the rung the trial is in (or last finished). */
  rung: number;
  params: Params;
  state: TrialState;
  /** Resource trained so far (the checkpoint holds this much). */
  resource: number;
  /** Objective value at the end of each finished rung, by rung index. */
  rungValues: number[];
  /** Latest objective value (at `resource`). */
  value?: number;
  error?: string;
  /** Lane position (`attempt:round:lane:job`) of the job that holds the trial (asynchronous studies). */
  claim?: string;
  /** The trial's jobs in start order (absent before the first). */
  jobs?: TrialJob[];
  startedAt?: string;
  endedAt?: string;
  /** Ask/tell: the external worker that holds the trial (it gets the same trial back until it completes it). */
  clientId?: string;
  /** The enqueued configuration the trial took its params from. */
  enqueuedId?: string;
  /** SHA-256 of the current slice's job token (shared/study/job-token.ts); never the token itself, never shown. */
  jobTokenHash?: string;
  /** A person asked to stop the trial: its reports answer shouldStop, and it ends PRUNED. */
  stopRequested?: boolean;
  /**
   * The metrics the spec names (objectives, constraint metrics, trial.metrics), each at its latest
   * report up to the trial's last finished rung; only for studies that track them (shared/study/objectives.ts).
   */
  metrics?: Record<string, number>;
  /** Whether the constraints held at the last finished rung; absent when unconstrained or not yet known. */
  feasible?: boolean;
  /** The largest relative constraint value (<= 0 when feasible). */
  violation?: number;
  /** `retrain`: trains a candidate of the finished search from scratch (absent: a search trial). */
  phase?: 'retrain';
  /** Retraining trials: the search trial whose result (or reported candidate) it retrains. */
  source?: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface Measurement {
  team: string;
  studyId: string;
  trialId: string;
  /** Resource step (epoch number, tokens seen, ...). */
  step: number;
  metrics: Record<string, number>;
  /** Architectures a search job reported with this step (a one-shot top-k, a DARTS genotype), for `retrain.from: candidates`. */
  candidates?: Candidate[];
  at: string;
}

export interface Page<T> {
  items: T[];
  /** Opaque; pass back to get the next page. Absent on the last page. */
  nextToken?: string;
}

export interface PageRequest {
  limit?: number;
  nextToken?: string;
}
