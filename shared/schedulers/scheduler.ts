import type { Params } from '../space/schema.js';

/**
 * The scheduler's vocabulary (DESIGN.md): on a report a running trial may CONTINUE, PAUSE at a
 * rung boundary (its checkpoint is kept and it may be resumed later) or STOP for good; a free
 * worker is given either a NEW trial or a PAUSED one to PROMOTE (resume from its checkpoint).
 */
export type Decision = 'CONTINUE' | 'PAUSE' | 'PROMOTE' | 'STOP';
export type ReportDecision = Extract<Decision, 'CONTINUE' | 'PAUSE' | 'STOP'>;

export type TrialStatus = 'RUNNING' | 'PAUSED' | 'STOPPED' | 'COMPLETE';

/** What a scheduler may read about a trial: the same fields the store keeps. */
export interface TrialRecord {
  readonly id: number;
  readonly params: Params;
  /** Bracket (Hyperband iteration) the trial was started in; 0 for single-bracket schedulers. */
  readonly bracket: number;
  /** Steps trained so far: what its checkpoint holds. */
  resource: number;
  status: TrialStatus;
  /** scores[e - 1] = score reported at step e (larger is better); shorter than `resource` never. */
  scores: number[];
}

/** A free worker's next piece of work. WAIT: nothing until a running trial reports. */
export type Job = { decision: 'NEW'; bracket: number } | { decision: 'PROMOTE'; trialId: number } | { decision: 'WAIT' };

/**
 * Decides how much each trial gets (Syne Tune's scheduler, Optuna's pruner). Pure: every call
 * reads the trial table it is given and keeps nothing, so a Lambda can rebuild it from the store
 * and a retried call decides the same.
 */
export interface Scheduler {
  readonly name: string;
  readonly maxResource: number;
  /** What a free worker should do now. */
  next(trials: readonly TrialRecord[]): Job;
  /**
   * A running trial reported `step` (its scores include it). At `maxResource` the trial is
   * complete whatever this returns.
   */
  onReport(trials: readonly TrialRecord[], trial: TrialRecord, step: number): ReportDecision;
  /** Steps at which the trial's score is a rung result that samplers should learn from. */
  milestones(bracket: number): number[];
}
