import type { Params } from '../space/schema.js';
import type { StudySpec } from './spec.js';

export type StudyState = 'PENDING' | 'RUNNING' | 'STOPPING' | 'COMPLETED' | 'STOPPED' | 'FAILED';
export const finishedStudyStates: readonly StudyState[] = ['COMPLETED', 'STOPPED', 'FAILED'];

export type TrialState = 'WAITING' | 'RUNNING' | 'PAUSED' | 'COMPLETE' | 'PRUNED' | 'FAILED' | 'INFEASIBLE';

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
  createdAt: string;
  updatedAt: string;
  /** Compare-and-set version: every write is conditional on it and increments it. */
  version: number;
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
  startedAt?: string;
  endedAt?: string;
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
