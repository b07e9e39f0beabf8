import type { SchedulerSpec } from '../study/spec.js';
import { rungLevels } from './rungs.js';

/** One rung of a bracket: how many trials train, and up to which resource. */
export interface Rung {
  trials: number;
  resource: number;
}

export interface Bracket {
  index: number;
  /** First trial number of the bracket: trial numbers are deterministic from the plan. */
  firstTrial: number;
  rungs: Rung[];
}

/**
 * The synchronous multi-fidelity plan (Li et al., Hyperband, JMLR 2018), as the Step Functions
 * path runs it: each bracket is successive halving with its own starting resource.
 *
 * - fifo: one bracket, one rung: `maxTrials` trials at `max`.
 * - successive_halving: one bracket starting every trial at `min` (the most aggressive bracket).
 * - hyperband: brackets s = s_max .. 0, repeated until `maxTrials` trials are planned; the last
 *   bracket is cut down to the trials left.
 * - asha: runs asynchronously (one lane per worker, shared/study/lanes.ts), not in brackets; its
 *   plan is the ladder it climbs, each rung with the most trials ASHA can promote to it (cost
 *   forecasts and progress use it).
 */
export function planBrackets(scheduler: SchedulerSpec, maxTrials: number): Bracket[] {
  if (scheduler.type === 'fifo') {
    return [{ index: 0, firstTrial: 0, rungs: [{ trials: maxTrials, resource: scheduler.max }] }];
  }
  const { min, max, eta } = scheduler;
  if (scheduler.type === 'asha') {
    const levels = rungLevels(min, max, eta, Number.isInteger(min) && Number.isInteger(max));
    return [{ index: 0, firstTrial: 0, rungs: levels.map((resource, i) => ({ trials: Math.max(1, Math.floor(maxTrials / eta ** i)), resource })) }];
  }
  // The epsilon keeps max/min = eta^k from flooring to k - 1 through rounding error.
  const sMax = Math.floor(Math.log(max / min) / Math.log(eta) + 1e-9);
  const integral = Number.isInteger(min) && Number.isInteger(max);
  const resourceAt = (s: number, i: number) => {
    const r = max * eta ** (i - s);
    return integral ? Math.max(min, Math.round(r)) : r;
  };
  const bracketFor = (s: number, n: number, index: number, firstTrial: number): Bracket => ({
    index,
    firstTrial,
    rungs: Array.from({ length: s + 1 }, (_, i) => ({
      trials: Math.max(1, Math.floor(n / eta ** i)),
      resource: resourceAt(s, i),
    })),
  });

  if (scheduler.type === 'successive_halving') {
    return [bracketFor(sMax, maxTrials, 0, 0)];
  }
  const brackets: Bracket[] = [];
  let planned = 0;
  for (let k = 0; planned < maxTrials; k++) {
    const s = sMax - (k % (sMax + 1));
    const full = Math.ceil(((sMax + 1) / (s + 1)) * eta ** s);
    const n = Math.min(full, maxTrials - planned);
    brackets.push(bracketFor(s, n, k, planned));
    planned += n;
  }
  return brackets;
}

/** Total trial-rungs of a bracket (each is one job and a fixed number of history events). */
export function trialRungs(bracket: Bracket): number {
  return bracket.rungs.reduce((sum, r) => sum + r.trials, 0);
}

/**
 * Upper bound on the history events of one bracket execution on Step Functions: measured per
 * trial-rung (Map iteration 2, StartTrial 5, Choice 2, Batch task 6, Observe 5) and per rung
 * (Map, Promote, Choice). Standard workflows stop at 25,000.
 */
export const eventsPerTrialRung = 20;
export const eventsPerRung = 12;
export const historyEventLimit = 25_000;

export function bracketHistoryEvents(bracket: Bracket): number {
  return 10 + eventsPerTrialRung * trialRungs(bracket) + eventsPerRung * bracket.rungs.length;
}

/** Trial numbers of a bracket's rung-0 trials. */
export function bracketTrialNumbers(bracket: Bracket): number[] {
  return Array.from({ length: bracket.rungs[0].trials }, (_, i) => bracket.firstTrial + i);
}
