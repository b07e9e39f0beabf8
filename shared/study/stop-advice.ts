import { readAll } from '../store/port.js';
import { orient } from './best.js';
import { changeTrial, type CasContext } from './cas.js';
import { externalLevels, isExternal } from './ladder.js';
import type { Study, Trial } from './types.js';

/**
 * Whether the job or worker behind `trial` should wind down after this report (beyond the study
 * itself stopping): a person asked to stop the trial, or, in an external multi-fidelity study,
 * ASHA's stopping rule (shared/schedulers/asha.ts, type `stopping`; Optuna's
 * SuccessiveHalvingPruner): at each rung level a trial goes on while it ranks in the top 1/eta of
 * the results recorded at that level so far (the first trials at a level always go on).
 *
 * The rung result is recorded on the trial (`rungValues[k]`) by the first report at or past
 * level k, so that the rule reads one trial listing instead of every trial's measurements.
 */
export async function stopAdvice(
  ctx: CasContext,
  study: Study,
  trial: Trial,
  report: { step: number; metrics: Record<string, number> },
): Promise<boolean> {
  if (trial.stopRequested) return true;
  const scheduler = study.spec.strategy.scheduler;
  if (!isExternal(study) || scheduler.type === 'fifo') return false;
  const value = report.metrics[study.spec.objective.metric];
  if (value === undefined) return false;
  const levels = externalLevels(study);
  // The rung levels this report reaches for the first time (the top level is the end, not a rung).
  const reached = levels.slice(0, -1).flatMap((level, k) => (report.step >= level && trial.rungValues[k] === undefined ? [k] : []));
  if (reached.length === 0) return false;
  const updated = await changeTrial(ctx, trial, (t) => {
    const rungValues = [...t.rungValues];
    let changed = false;
    for (const k of reached) {
      if (rungValues[k] === undefined || rungValues[k] === null) {
        rungValues[k] = value;
        changed = true;
      }
    }
    // Holes (levels skipped by sparse reports) are stored as null by DynamoDB-safe JSON.
    return changed ? { ...t, rungValues: Array.from(rungValues, (v) => v ?? (null as unknown as number)) } : undefined;
  });
  const k = reached[reached.length - 1];
  const goal = study.spec.objective.goal;
  const trials = await readAll((p) => ctx.store.listTrials(study.team, study.studyId, p));
  const ranked = trials
    .map((t) => (t.trialId === updated.trialId ? updated : t))
    .filter((t) => typeof t.rungValues[k] === 'number')
    .sort((a, b) => orient(goal, b.rungValues[k]) - orient(goal, a.rungValues[k]) || a.number - b.number);
  const keep = Math.max(1, Math.floor(ranked.length / scheduler.eta));
  return ranked.findIndex((t) => t.trialId === updated.trialId) >= keep;
}
