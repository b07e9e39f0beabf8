import type * as z from 'zod';
import { readAll } from '../store/port.js';
import { RETRAIN_BRACKET, retrainConfigs, searchTrials } from './retrain.js';
import type { Measurement, Study } from './types.js';
import { isWinding, overWallClock } from './engine/limits.js';
import { newTrial } from './engine/new-trial.js';
import { loadStudy, updateStudyWith, type StepContext } from './engine/step-context.js';
import type { planRetrainInputSchema } from './step-inputs.js';
import type { BracketInput } from './workflow.js';

/**
 * PlanRetrain (docs/workflow.md): once the search has ended, creates the retraining trials (the
 * top-k of the search, crossed with `retrain.sweep`) and returns the one bracket that trains them,
 * or none. Idempotent: the trials' numbers and params follow from the finished search alone, so a
 * retry after a crash between the writes creates the same trials, and the plan is written once.
 * A study that is stopping, out of wall clock or out of budget ends with its search's answer.
 */
export async function planRetrain(ctx: StepContext, input: z.infer<typeof planRetrainInputSchema>) {
  let study = await loadStudy(ctx, input);
  const none = { team: study.team, studyId: study.studyId, brackets: [] as BracketInput[] };
  if (!study.spec.retrain) return none;
  if (!study.retrain) {
    if (isWinding(study) || overWallClock(ctx, study) || study.cost?.budgetExhausted) return none;
    const trials = await readAll((p) => ctx.store.listTrials(study.team, study.studyId, p));
    const search = searchTrials(trials);
    const configs = retrainConfigs(study, trials, await candidateMeasurements(ctx, study, search));
    // Above every number the search used or may still use, so that no retraining trial takes one.
    const firstTrial = Math.max(study.spec.limits.maxTrials, ...search.map((t) => t.number + 1));
    for (const [i, config] of configs.entries()) {
      await ctx.store.createTrial(
        newTrial(ctx, study, firstTrial + i, config.params, { bracket: RETRAIN_BRACKET, phase: 'retrain', source: config.source }),
      );
    }
    study = await updateStudyWith(ctx, study, (s) =>
      s.retrain
        ? undefined
        : { ...s, retrain: { firstTrial, trials: configs.length, ...(s.best ? { searchBest: s.best } : {}) }, best: undefined },
    );
  }
  if (!study.retrain || study.retrain.trials === 0) return none;
  return {
    ...none,
    brackets: [{ team: study.team, studyId: study.studyId, bracket: RETRAIN_BRACKET, name: `${study.studyId}-${study.attempt}-retrain` }],
  };
}

/** Each finished search trial's last measurement that carries candidates (only with `retrain.from: candidates`). */
async function candidateMeasurements(ctx: StepContext, study: Study, search: { trialId: string; state: string }[]) {
  const last = new Map<string, Measurement | undefined>();
  if (study.spec.retrain?.from !== 'candidates') return last;
  for (const t of search.filter((t) => t.state === 'COMPLETE')) {
    const measurements = await ctx.store.listMeasurements(study.team, study.studyId, t.trialId);
    last.set(t.trialId, measurements.filter((m) => (m.candidates?.length ?? 0) > 0).at(-1));
  }
  return last;
}
