import { rankedAt, rungLevels } from './rungs.js';
import type { Job, ReportDecision, Scheduler, TrialRecord } from './scheduler.js';

export interface SyncHalvingOptions {
  minResource: number;
  maxResource: number;
  eta: number;
  /**
   * successive_halving: every bracket starts all its trials at the lowest rung.
   * hyperband: brackets cycle from the most aggressive (lowest rung) to plain full training.
   */
  type: 'successive_halving' | 'hyperband';
}

/**
 * Synchronous successive halving and Hyperband (Li et al. 2018) with a barrier per rung: the top
 * 1/eta of a rung are promoted only once every trial of the rung has reported. When every open
 * bracket is blocked on its barrier, a free worker opens the next bracket instead of idling
 * (as parallel BOHB does), so brackets overlap in time. Bracket = Hyperband iteration number.
 */
export function syncHalvingScheduler(opts: SyncHalvingOptions): Scheduler {
  const levels = rungLevels(opts.minResource, opts.maxResource, opts.eta);
  const K = levels.length - 1;
  const top = levels[K];
  /** Rungs skipped at the start of bracket b (0 = starts at the lowest rung). */
  const skipped = (b: number) => (opts.type === 'hyperband' ? b % (K + 1) : 0);
  const bracketLevels = (b: number) => levels.slice(skipped(b));
  /** Trials entering rung i of a bracket with s + 1 rungs (Hyperband's n_i). */
  const rungSize = (b: number, i: number) => {
    const s = K - skipped(b);
    const n0 = opts.type === 'hyperband' ? Math.ceil(((K + 1) / (s + 1)) * opts.eta ** s) : opts.eta ** s;
    return Math.max(1, Math.floor(n0 / opts.eta ** i));
  };

  function next(trials: readonly TrialRecord[]): Job {
    const byBracket = new Map<number, TrialRecord[]>();
    for (const t of trials) {
      let list = byBracket.get(t.bracket);
      if (!list) byBracket.set(t.bracket, (list = []));
      list.push(t);
    }
    const opened = byBracket.size ? Math.max(...byBracket.keys()) + 1 : 0;
    for (let b = 0; b < opened; b++) {
      const members = byBracket.get(b) ?? [];
      if (members.length < rungSize(b, 0)) return { decision: 'NEW', bracket: b };
      const rungs = bracketLevels(b);
      for (let i = 0; i < rungs.length - 1; i++) {
        const ranked = rankedAt(members, rungs[i]);
        if (ranked.length < rungSize(b, i)) break; // barrier: rung i still has trials running
        const promoted = ranked.slice(0, rungSize(b, i + 1));
        const waiting = promoted.find((r) => r.trial.status === 'PAUSED' && r.trial.resource === rungs[i]);
        if (waiting) return { decision: 'PROMOTE', trialId: waiting.trial.id };
      }
    }
    return { decision: 'NEW', bracket: opened };
  }

  function onReport(_trials: readonly TrialRecord[], trial: TrialRecord, step: number): ReportDecision {
    if (step >= top) return 'CONTINUE';
    return bracketLevels(trial.bracket).includes(step) ? 'PAUSE' : 'CONTINUE';
  }

  return { name: opts.type, maxResource: top, next, onReport, milestones: bracketLevels };
}
