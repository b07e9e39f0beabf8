import type { TrialRecord } from './scheduler.js';

/**
 * Rung levels min, min*eta, min*eta^2, ... below max, then max itself (Optuna's and Syne Tune's
 * geometry: with min 1, eta 3, max 52 the rungs are 1, 3, 9, 27, 52). Integer resources are
 * rounded so that a rung is a step a trial actually reports.
 */
export function rungLevels(min: number, max: number, eta: number, integral = true): number[] {
  if (!(min > 0) || !(max >= min) || !(eta > 1)) throw new Error(`bad rung geometry min=${min} max=${max} eta=${eta}`);
  const levels: number[] = [];
  for (let r = min; ; r *= eta) {
    const level = integral ? Math.round(r) : r;
    // The epsilon keeps max/min = eta^k from adding a rung just below max through rounding error.
    if (level >= max * (1 - 1e-9)) break;
    if (!levels.length || level > levels[levels.length - 1]) levels.push(level);
  }
  levels.push(max);
  return levels;
}

/** The score a trial reported at `step`, or undefined if it never got there. */
export function scoreAt(trial: TrialRecord, step: number): number | undefined {
  return trial.resource >= step ? trial.scores[step - 1] : undefined;
}

/** Trials that reported `step`, best first (ties: lower trial id first, so decisions are deterministic). */
export function rankedAt(trials: readonly TrialRecord[], step: number): { trial: TrialRecord; score: number }[] {
  const out: { trial: TrialRecord; score: number }[] = [];
  for (const t of trials) {
    const s = scoreAt(t, step);
    if (s !== undefined && !Number.isNaN(s)) out.push({ trial: t, score: s });
  }
  return out.sort((a, b) => b.score - a.score || a.trial.id - b.trial.id);
}
