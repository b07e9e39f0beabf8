import { ashaScheduler } from '../../schedulers/asha.js';
import type { Scheduler, TrialRecord, TrialStatus } from '../../schedulers/scheduler.js';
import { readAll } from '../../store/port.js';
import { orient } from '../best.js';
import { rungLevelsOf } from '../ladder.js';
import { searchTrials } from '../retrain.js';
import type { Study, Trial } from '../types.js';
import { assertFailedTrialsWithin, isWinding, overWallClock } from './limits.js';
import type { StepContext } from './step-context.js';

/**
 * The rounds of an asynchronous (asha) study: Plan and Replan ask for the lanes of a round, each
 * lane's NextJob (shared/study/lanes.ts) for its next job, and both decide from the same view of
 * the trials: the ASHA scheduler's records, the orphans a round adopts, the finishing promotion.
 */

function isAsha(study: Study): boolean {
  return study.spec.strategy.scheduler.type === 'asha';
}

export function schedulerOf(study: Study): Scheduler {
  const s = study.spec.strategy.scheduler;
  if (s.type !== 'asha') throw new Error(`study ${study.studyId} does not run lanes`);
  return ashaScheduler({ minResource: s.min, maxResource: s.max, eta: s.eta, type: 'promotion' });
}

const statusOf: Record<Trial['state'], TrialStatus> = {
  WAITING: 'RUNNING',
  RUNNING: 'RUNNING',
  PAUSED: 'PAUSED',
  COMPLETE: 'COMPLETE',
  PRUNED: 'STOPPED',
  FAILED: 'STOPPED',
  INFEASIBLE: 'STOPPED',
};

/** The scheduler's view of the stored trials: scores at the rung levels they reached. */
export function records(study: Study, trials: Trial[]): TrialRecord[] {
  const levels = rungLevelsOf(study);
  const goal = study.spec.objective.goal;
  return trials.map((t) => {
    const scores: number[] = [];
    t.rungValues.forEach((v, k) => {
      // A trial that violates a constraint (a property of its configuration: size, latency) ranks below every feasible one.
      if (v !== undefined && v !== null) scores[levels[k] - 1] = t.feasible === false ? -Infinity : orient(goal, v);
    });
    // A paused trial a person stopped is out of the race.
    const status = t.stopRequested && t.state === 'PAUSED' ? 'STOPPED' : statusOf[t.state];
    return { id: t.number, params: t.params, bracket: 0, resource: t.resource, status, scores };
  });
}

/** The lanes of one round: as many as the study's parallelism while there is work, none after. */
export async function planLanes(ctx: StepContext, study: Study, round: number) {
  // Every reason NextJob has to start nothing must end the rounds too, or Replan would loop.
  if (!isAsha(study) || isWinding(study) || overWallClock(ctx, study) || study.cost?.budgetExhausted) return [];
  if (round > 0) {
    const trials = searchTrials(await readAll((p) => ctx.store.listTrials(study.team, study.studyId, p)));
    assertFailedTrialsWithin(study, trials);
    if (!hasWork(study, trials, round)) return [];
  }
  return Array.from({ length: study.spec.limits.parallelism }, (_, lane) => ({
    team: study.team,
    studyId: study.studyId,
    lane,
    round,
    name: `${study.studyId}-${study.attempt}-r${round}-l${lane}`,
  }));
}

/**
 * A trial whose lane is gone: created but never started (WAITING), interrupted mid-slice (a
 * failed attempt's Finalize leaves it PAUSED without a result at its rung), or claimed RUNNING
 * by a NextJob copy whose answer the lane never used (see releaseStranded in lanes.ts), under a
 * claim of an earlier round or attempt. Rounds run one after another, so no lane of the current
 * round holds it; the first lane to ask adopts it and runs the slice again from its checkpoint.
 */
export function isOrphan(study: Study, trial: Trial, round: number): boolean {
  const mine = `${study.attempt}:${round}:`;
  if ((trial.claim ?? '').startsWith(mine)) return false;
  if (trial.state === 'RUNNING') return trial.claim !== undefined;
  return trial.state === 'WAITING' || (trial.state === 'PAUSED' && trial.rungValues[trial.rung] === undefined);
}

function hasWork(study: Study, trials: Trial[], round: number): boolean {
  if (trials.some((t) => isOrphan(study, t, round))) return true;
  const next = schedulerOf(study).next(records(study, trials));
  if (next.decision === 'PROMOTE' || (next.decision === 'NEW' && trials.length < study.spec.limits.maxTrials)) return true;
  return finishingPromotion(study, trials) !== undefined;
}

/**
 * ASHA alone may end a small study with no trial trained to the full budget (with 6 trials and
 * eta 3, the 2 at the second rung never make a top third). Once no new trial may start and no
 * other job runs, the best trial of the highest rung reached goes on, rung by rung, so that every
 * study ends with a fully trained winner.
 */
export function finishingPromotion(study: Study, trials: Trial[]): Trial | undefined {
  if (trials.length < study.spec.limits.maxTrials) return undefined;
  // A WAITING trial is a job another lane just created and is about to start (statusOf counts it RUNNING too).
  if (trials.some((t) => t.state === 'RUNNING' || t.state === 'WAITING' || t.state === 'COMPLETE')) return undefined;
  const goal = study.spec.objective.goal;
  const paused = trials.filter((t) => t.state === 'PAUSED' && !t.stopRequested);
  const top = Math.max(-1, ...paused.map((t) => t.rung));
  return paused
    .filter((t) => t.rung === top)
    .sort(
      (a, b) =>
        Number(a.feasible === false) - Number(b.feasible === false) ||
        orient(goal, b.rungValues[top]) - orient(goal, a.rungValues[top]) ||
        a.number - b.number,
    )[0];
}
