import { ConflictError } from '../errors.js';
import type { StudyState, TrialState } from './types.js';

/**
 * Legal trial transitions, in one place. PAUSED = finished a rung and waits for the promotion
 * decision; PRUNED = not promoted (its last measurement still counts for the best trial).
 */
const trialTransitions: Record<TrialState, readonly TrialState[]> = {
  WAITING: ['RUNNING', 'FAILED', 'PRUNED'],
  RUNNING: ['RUNNING', 'PAUSED', 'COMPLETE', 'FAILED', 'INFEASIBLE', 'PRUNED'],
  PAUSED: ['RUNNING', 'PRUNED', 'COMPLETE'],
  COMPLETE: [],
  PRUNED: [],
  FAILED: [],
  INFEASIBLE: [],
};

export function canTransition(from: TrialState, to: TrialState): boolean {
  return trialTransitions[from].includes(to);
}

export function assertTrialTransition(from: TrialState, to: TrialState): void {
  if (!canTransition(from, to)) throw new ConflictError(`trial cannot go from ${from} to ${to}`);
}

export function isTrialFinished(state: TrialState): boolean {
  return trialTransitions[state].length === 0;
}

const studyTransitions: Record<StudyState, readonly StudyState[]> = {
  PENDING: ['RUNNING', 'STOPPED', 'FAILED'],
  RUNNING: ['STOPPING', 'COMPLETED', 'FAILED'],
  STOPPING: ['STOPPED', 'FAILED'],
  COMPLETED: [],
  STOPPED: [],
  // RUNNING: a retried Plan of the same attempt; PENDING: resumed (a new attempt).
  FAILED: ['RUNNING', 'PENDING'],
};

export function canStudyTransition(from: StudyState, to: StudyState): boolean {
  return studyTransitions[from].includes(to);
}
