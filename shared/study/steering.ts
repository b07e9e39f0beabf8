import * as z from 'zod';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.js';
import { readAll } from '../store/port.js';
import { searchTrials } from './retrain.js';
import { changeStudy, changeTrial, type CasContext } from './cas.js';
import { maxTrialsIssue, parallelismIssue } from './creation-issues.js';
import { isExternal } from './ladder.js';
import { zodIssues } from './spec.js';
import { isTrialFinished } from './trial-state.js';
import { finishedStudyStates, type Study, type Trial } from './types.js';

/**
 * Steering a study while it runs. What each change can safely mean:
 * - `limits.parallelism`: the workflow reads it at every Suggest and Promote, so it holds from the
 *   next rung on (jobs already running finish). External studies do not use it.
 * - `limits.maxTrials`: a workflow study fixes its bracket plan when it starts, so it can only be
 *   lowered, and not below the trials already started (fifo) or created (brackets already
 *   suggested): trials not started yet above the new limit are pruned and brackets not started
 *   yet are trimmed. An external study can be raised or lowered down to the trials it has.
 */
export const patchStudyRequestSchema = z.strictObject({
  limits: z
    .strictObject({
      parallelism: z.number().int().min(1).max(256).optional(),
      maxTrials: z.number().int().min(1).max(10_000).optional(),
    })
    .refine((l) => l.parallelism !== undefined || l.maxTrials !== undefined, 'must change parallelism or maxTrials'),
});

/** The lowest maxTrials the study can take now, and whether it may be raised. */
export function maxTrialsBounds(study: Study, trials: Trial[]): { min: number; canRaise: boolean } {
  if (isExternal(study)) return { min: Math.max(1, trials.length), canRaise: true };
  const started = study.spec.strategy.scheduler.type === 'fifo' ? trials.filter((t) => t.state !== 'WAITING').length : trials.length;
  return { min: Math.max(1, started), canRaise: study.state === 'PENDING' && trials.length === 0 };
}

export async function patchStudy(ctx: CasContext, team: string, studyId: string, body: unknown): Promise<Study> {
  const parsed = patchStudyRequestSchema.safeParse(body);
  if (!parsed.success) throw new InvalidInputError(zodIssues(parsed.error), 'invalid change');
  const { parallelism, maxTrials } = parsed.data.limits;
  const trials = searchTrials(await readAll((p) => ctx.store.listTrials(team, studyId, p)));
  const study = await changeStudy(ctx, team, studyId, (s) => {
    if (finishedStudyStates.includes(s.state)) throw new ConflictError(`study ${studyId} is already ${s.state}`);
    if (maxTrials !== undefined && maxTrials !== s.spec.limits.maxTrials) {
      const { min, canRaise } = maxTrialsBounds(s, trials);
      if (maxTrials > s.spec.limits.maxTrials && !canRaise)
        throw new ConflictError('a running workflow study planned its brackets when it started: maxTrials can only be lowered');
      if (maxTrials < min)
        throw new InvalidInputError(
          [{ path: 'limits.maxTrials', message: `must be at least ${min}: that many trials have started` }],
          'invalid change',
        );
      const tooMany = maxTrialsIssue(s.spec, maxTrials);
      if (tooMany) throw new InvalidInputError([tooMany], 'invalid change');
    }
    const tooParallel = parallelism === undefined ? undefined : parallelismIssue(s.spec.strategy.execution, parallelism);
    if (tooParallel) throw new InvalidInputError([tooParallel], 'invalid change');
    const limits = {
      ...s.spec.limits,
      ...(parallelism !== undefined ? { parallelism } : {}),
      ...(maxTrials !== undefined ? { maxTrials } : {}),
    };
    return { ...s, spec: { ...s.spec, limits } };
  });
  // Trials created but not started beyond the new limit will not run.
  for (const t of trials.filter((t) => t.state === 'WAITING' && t.number >= study.spec.limits.maxTrials)) {
    await changeTrial(ctx, t, (c) =>
      c.state === 'WAITING'
        ? { ...c, state: 'PRUNED', error: 'trimmed: limits.maxTrials was lowered', endedAt: ctx.now().toISOString() }
        : undefined,
    );
  }
  return study;
}

/**
 * Stops one trial: one that waits or is paused between rungs ends PRUNED at once; a running one
 * is told `shouldStop` on its next report and ends PRUNED when its job (or worker) returns.
 */
export async function stopTrial(ctx: CasContext, team: string, studyId: string, trialId: string): Promise<Trial> {
  const study = await ctx.store.getStudy(team, studyId);
  if (!study) throw new NotFoundError(`study ${studyId} not found`);
  const before = await ctx.store.getTrial(team, studyId, trialId);
  if (!before) throw new NotFoundError(`trial ${trialId} of study ${studyId} not found`);
  if (isTrialFinished(before.state)) throw new ConflictError(`trial ${trialId} is already ${before.state}`);
  // Awaited, not returned: the frame stays on the async stack, which names the write point in fault tests.
  return await changeTrial(ctx, before, (t) => {
    if (isTrialFinished(t.state)) throw new ConflictError(`trial ${trialId} is already ${t.state}`);
    if (t.state === 'RUNNING') return t.stopRequested ? undefined : { ...t, stopRequested: true };
    return { ...t, state: 'PRUNED', stopRequested: true, error: 'stopped by request', endedAt: ctx.now().toISOString() };
  });
}
