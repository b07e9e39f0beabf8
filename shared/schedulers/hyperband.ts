import { halvingBracket, type Bracket } from './brackets.js';
import { rankedAt } from './rungs.js';
import type { Job, ReportDecision, Scheduler, TrialRecord } from './scheduler.js';

export interface SyncHalvingOptions {
  minResource: number;
  maxResource: number;
  eta: number;
  /**
   * successive_halving: one bracket of maxTrials trials, all starting at the lowest rung.
   * hyperband: brackets cycle from the most aggressive (lowest rung) to plain full training.
   */
  type: 'successive_halving' | 'hyperband';
  /**
   * The study's limits.maxTrials: the plan ends there and the scheduler then has nothing more
   * (WAIT), as a study ends. Successive halving needs it (it is the size of its one bracket);
   * Hyperband without it plans brackets without end.
   */
  maxTrials?: number;
}

/**
 * Synchronous successive halving and Hyperband as a study runs them on the BracketMachine: the
 * brackets of the one plan (halvingBracket, shared/schedulers/brackets.ts), one bracket at a time
 * (the StudyMachine maps over them with maxConcurrency 1), a barrier per rung (the top of a rung
 * are promoted only once every trial of the rung has reported), and the next bracket only once
 * the last rung of this one has reported. Workers idle at the barriers, as a study's do.
 * Bracket = the plan's bracket index.
 */
export function syncHalvingScheduler(opts: SyncHalvingOptions): Scheduler {
  const geometry = { type: opts.type, min: opts.minResource, max: opts.maxResource, eta: opts.eta };
  // The plan is a function of the options only; keeping it is no state about the trials.
  const plan: (Bracket | undefined)[] = [];
  const bracketAt = (b: number) => {
    if (!(b in plan)) plan[b] = halvingBracket(geometry, b, opts.maxTrials);
    return plan[b];
  };
  const levelsOf = (b: number) => bracketAt(b)?.rungs.map((r) => r.resource) ?? [];
  const top = opts.maxResource;

  /** The job bracket `bracket` has for a free worker, or undefined once its last rung is complete. */
  function work(bracket: Bracket, members: readonly TrialRecord[]): Job | undefined {
    const { rungs } = bracket;
    if (members.length < rungs[0].trials) return { decision: 'NEW', bracket: bracket.index };
    for (let i = 0; i < rungs.length; i++) {
      const ranked = rankedAt(members, rungs[i].resource);
      if (ranked.length < rungs[i].trials) return { decision: 'WAIT' }; // barrier: rung i still has trials running
      if (i === rungs.length - 1) return undefined;
      const promoted = ranked.slice(0, rungs[i + 1].trials);
      const waiting = promoted.find((r) => r.trial.status === 'PAUSED' && r.trial.resource === rungs[i].resource);
      if (waiting) return { decision: 'PROMOTE', trialId: waiting.trial.id };
    }
    return undefined;
  }

  function next(trials: readonly TrialRecord[]): Job {
    // Brackets open in order and only once the one before is complete: the open one is the last.
    let current = 0;
    for (const t of trials) current = Math.max(current, t.bracket);
    const bracket = bracketAt(current);
    if (!bracket) return { decision: 'WAIT' };
    const job = work(
      bracket,
      trials.filter((t) => t.bracket === current),
    );
    if (job) return job;
    return bracketAt(current + 1) ? { decision: 'NEW', bracket: current + 1 } : { decision: 'WAIT' };
  }

  function onReport(_trials: readonly TrialRecord[], trial: TrialRecord, step: number): ReportDecision {
    if (step >= top) return 'CONTINUE';
    return levelsOf(trial.bracket).includes(step) ? 'PAUSE' : 'CONTINUE';
  }

  return { name: opts.type, maxResource: top, next, onReport, milestones: levelsOf };
}
