import { rankedAt, rungLevels } from './rungs.js';
import type { Job, ReportDecision, Scheduler, TrialRecord } from './scheduler.js';

export interface AshaOptions {
  minResource: number;
  maxResource: number;
  eta: number;
  /**
   * promotion: a trial pauses at each rung and is resumed from its checkpoint once it ranks in the
   * top 1/eta of its rung (Li et al. 2020); no job is ever killed mid-way.
   * stopping: a trial keeps training past a rung while it ranks in the top 1/eta of the results
   * recorded at that rung so far, and is stopped otherwise (Optuna's SuccessiveHalvingPruner).
   */
  type: 'promotion' | 'stopping';
}

/** Asynchronous successive halving: no barrier, so no worker ever waits for a rung to fill. */
export function ashaScheduler(opts: AshaOptions): Scheduler {
  const levels = rungLevels(opts.minResource, opts.maxResource, opts.eta);
  const top = levels[levels.length - 1];
  const quota = (n: number) => Math.floor(n / opts.eta);

  function next(trials: readonly TrialRecord[]): Job {
    if (opts.type === 'stopping') return { decision: 'NEW', bracket: 0 };
    // Promote from the highest rung first: the work closest to a full result is worth most.
    for (let k = levels.length - 2; k >= 0; k--) {
      const ranked = rankedAt(trials, levels[k]);
      const n = quota(ranked.length);
      for (let i = 0; i < n; i++) {
        const t = ranked[i].trial;
        if (t.status === 'PAUSED' && t.resource === levels[k]) return { decision: 'PROMOTE', trialId: t.id };
      }
    }
    return { decision: 'NEW', bracket: 0 };
  }

  function onReport(trials: readonly TrialRecord[], trial: TrialRecord, step: number): ReportDecision {
    if (step >= top || !levels.includes(step)) return 'CONTINUE';
    if (opts.type === 'promotion') return 'PAUSE';
    const ranked = rankedAt(trials, step);
    const rank = ranked.findIndex((r) => r.trial.id === trial.id);
    // The first trials at a rung have nothing to lose to: keep at least the best one going.
    return rank < Math.max(1, quota(ranked.length)) ? 'CONTINUE' : 'STOP';
  }

  return {
    name: `asha-${opts.type}`,
    maxResource: top,
    next,
    onReport,
    milestones: () => levels,
  };
}
