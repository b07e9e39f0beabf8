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

/** What the synchronous plan reads of a scheduler spec (the simulator builds the same fields). */
export interface HalvingGeometry {
  type: 'successive_halving' | 'hyperband';
  min: number;
  max: number;
  eta: number;
}

/**
 * Bracket `index` of the synchronous multi-fidelity plan (Li et al., Hyperband, JMLR 2018), or
 * undefined once `maxTrials` trials are planned. The BracketMachine (through planBrackets) and the
 * simulator's synchronous scheduler both plan with it, so the benchmark replays the rungs a study
 * runs. Rungs sit at rungLevels(min, max, eta): min, min*eta, ... below max, then max, the same
 * ladder ASHA and ask/tell studies climb; bracket s starts at the s-th rung from the top.
 *
 * - successive_halving: one bracket of `maxTrials` trials starting at `min` (the most aggressive
 *   bracket), the top 1/eta of a rung going on to the next. Its size is `maxTrials`, so it has no
 *   plan without one (the simulator passes the benchmark's documented maxTrials, bench/methods.ts).
 * - hyperband: brackets s = s_max .. 0 with ceil((s_max+1)/(s+1) * eta^s) trials each, repeated
 *   until `maxTrials` trials are planned (without end when it is Infinity); the last bracket is cut
 *   down to the trials left.
 */
export function halvingBracket(g: HalvingGeometry, index: number, maxTrials = Infinity): Bracket | undefined {
  const levels = rungLevels(g.min, g.max, g.eta, Number.isInteger(g.min) && Number.isInteger(g.max));
  const sMax = levels.length - 1;
  const bracketOf = (s: number, n: number, firstTrial: number): Bracket => ({
    index,
    firstTrial,
    rungs: levels.slice(sMax - s).map((resource, i) => ({ trials: Math.max(1, Math.floor(n / g.eta ** i)), resource })),
  });
  if (g.type === 'successive_halving') {
    if (!Number.isFinite(maxTrials))
      throw new Error('successive halving plans one bracket of maxTrials trials: it needs a finite maxTrials');
    return index === 0 && maxTrials > 0 ? bracketOf(sMax, maxTrials, 0) : undefined;
  }
  const full = (k: number) => {
    const s = sMax - (k % (sMax + 1));
    return Math.ceil(((sMax + 1) / (s + 1)) * g.eta ** s);
  };
  let perCycle = 0;
  for (let k = 0; k <= sMax; k++) perCycle += full(k);
  let firstTrial = Math.floor(index / (sMax + 1)) * perCycle;
  for (let k = index - (index % (sMax + 1)); k < index; k++) firstTrial += full(k);
  if (firstTrial >= maxTrials) return undefined;
  return bracketOf(sMax - (index % (sMax + 1)), Math.min(full(index), maxTrials - firstTrial), firstTrial);
}

/**
 * The study's whole plan, as the Step Functions path runs it (one BracketMachine execution per
 * bracket, one bracket at a time).
 *
 * - fifo: one bracket, one rung: `maxTrials` trials at `max`.
 * - successive_halving, hyperband: halvingBracket's brackets up to `maxTrials`.
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
    return [
      {
        index: 0,
        firstTrial: 0,
        rungs: levels.map((resource, i) => ({ trials: Math.max(1, Math.floor(maxTrials / eta ** i)), resource })),
      },
    ];
  }
  const g = { type: scheduler.type, min, max, eta };
  const brackets: Bracket[] = [];
  for (let b = halvingBracket(g, 0, maxTrials); b; b = halvingBracket(g, brackets.length, maxTrials)) brackets.push(b);
  return brackets;
}

/**
 * What a bracket trains in all, each promoted trial resuming from its checkpoint: its resource, or
 * with `cost` (the cumulative cost of training one trial to a resource) what that training costs.
 */
export function bracketResource(bracket: Bracket, cost: (resource: number) => number = (r) => r): number {
  return bracket.rungs.reduce(
    (sum, r, i) => sum + r.trials * Math.max(0, cost(r.resource) - (i === 0 ? 0 : cost(bracket.rungs[i - 1].resource))),
    0,
  );
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
