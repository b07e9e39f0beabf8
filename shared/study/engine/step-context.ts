import { NotFoundError } from '../../errors.js';
import type { StudyStore } from '../../store/port.js';
import { changeStudy, changeTrial } from '../cas.js';
import type { Study, Trial } from '../types.js';

/**
 * What every workflow step gets (docs/workflow.md), on the synchronous (bracket) and the
 * asynchronous (lane) path alike. Each step is idempotent: Step Functions may deliver a step
 * twice, and a crash between two writes is repaired by the next call.
 */
export interface StepContext {
  store: StudyStore;
  now: () => Date;
  /** `s3://bucket` on AWS, `file:///abs/path` in the embedded runtime. */
  artifactBaseUri: string;
  /** Random bytes (node:crypto's randomBytes): the secret of each job token (shared/study/job-token.ts). */
  randomBytes: (size: number) => Uint8Array;
}

type StudyKey = Pick<Study, 'team' | 'studyId'>;

export async function loadStudy(ctx: StepContext, ref: StudyKey): Promise<Study> {
  const study = await ctx.store.getStudy(ref.team, ref.studyId);
  if (!study) throw new NotFoundError(`study ${ref.studyId} not found`);
  return study;
}

export async function loadTrial(ctx: StepContext, ref: StudyKey & { trialId: string }): Promise<Trial> {
  const trial = await ctx.store.getTrial(ref.team, ref.studyId, ref.trialId);
  if (!trial) throw new NotFoundError(`trial ${ref.trialId} of study ${ref.studyId} not found`);
  return trial;
}

/** Compare-and-set with re-read (shared/study/cas.ts): `change` returns the next value or undefined to leave it as is. */
export async function updateStudyWith(
  ctx: Pick<StepContext, 'store' | 'now'>,
  ref: StudyKey,
  change: (s: Study) => Study | undefined,
): Promise<Study> {
  return await changeStudy(ctx, ref.team, ref.studyId, change);
}

/** As updateStudyWith, for a trial; a change of state must be a legal transition. */
export async function updateTrialWith(
  ctx: Pick<StepContext, 'store' | 'now'>,
  ref: StudyKey & { trialId: string },
  change: (t: Trial) => Trial | undefined,
): Promise<Trial> {
  return await changeTrial(ctx, ref, change);
}
