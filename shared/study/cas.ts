import { NotFoundError, RetryableConflictError } from '../errors.js';
import type { StudyStore } from '../store/port.js';
import { assertTrialTransition } from './trial-state.js';
import type { Study, Trial } from './types.js';

/** What a compare-and-set loop needs: the store and a clock. */
export interface CasContext {
  store: StudyStore;
  now: () => Date;
}

const maxAttempts = 20;

/** Re-reads the study and writes `change(study)` until no one else wrote in between; undefined leaves it as is. */
export async function changeStudy(ctx: CasContext, team: string, studyId: string, change: (s: Study) => Study | undefined): Promise<Study> {
  for (let attempt = 0; ; attempt++) {
    const current = await ctx.store.getStudy(team, studyId);
    if (!current) throw new NotFoundError(`study ${studyId} not found`);
    const next = change(current);
    if (!next) return current;
    try {
      return await ctx.store.updateStudy({ ...next, updatedAt: ctx.now().toISOString() });
    } catch (e) {
      if (!(e instanceof RetryableConflictError) || attempt >= maxAttempts) throw e;
    }
  }
}

/** As changeStudy, for a trial; a change of state must be a legal transition (trial-state.ts). */
export async function changeTrial(
  ctx: CasContext,
  ref: { team: string; studyId: string; trialId: string },
  change: (t: Trial) => Trial | undefined,
): Promise<Trial> {
  for (let attempt = 0; ; attempt++) {
    const current = await ctx.store.getTrial(ref.team, ref.studyId, ref.trialId);
    if (!current) throw new NotFoundError(`trial ${ref.trialId} of study ${ref.studyId} not found`);
    const next = change(current);
    if (!next) return current;
    if (next.state !== current.state) assertTrialTransition(current.state, next.state);
    try {
      return await ctx.store.updateTrial({ ...next, updatedAt: ctx.now().toISOString() });
    } catch (e) {
      if (!(e instanceof RetryableConflictError) || attempt >= maxAttempts) throw e;
    }
  }
}
