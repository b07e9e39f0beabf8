import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { ForbiddenError, UnauthenticatedError } from '../errors.js';
import type { StudyStore } from '../store/port.js';
import { updateStudyWith, updateTrialWith, type StepContext } from './engine/step-context.js';
import type { Study, Trial } from './types.js';

/**
 * A job's credential: one per trial slice, minted when the slice's job is built (StartTrial, or a
 * lane's NextJob) and handed to the job in RUNG_API_TOKEN. It reaches the measurement route of
 * its own trial and nothing else: team, study and trial come from the token, never from a header.
 *
 * The token is `rjt1.<team>.<studyId>.<trialId>.<secret>`. The secret is the HMAC-SHA256 of the
 * trial and its slice (the index of the trial's open job) under the study's job key (32 random
 * bytes drawn once per study), so every delivery of one StartTrial or NextJob answers the same
 * token: Step Functions delivers at least once, and a duplicate that minted a new token would lock
 * out the job started from the other answer. The trial stores only the SHA-256 of the whole token
 * (`jobTokenHash`), which the API compares. The ids in clear let the API find the one trial to
 * check without an index; they are no secret (the job's environment holds them anyway). A new
 * slice replaces the hash, so the token of an earlier slice (a job that should have ended) stops
 * working. The job key is never shown by the API (functions/api/views.ts); whoever reads the
 * table directly could mint tokens, as whoever writes it could change the study anyway.
 *
 * On AWS the token travels in the Batch job's environment overrides: whoever may call
 * batch:DescribeJobs in the account can read it while the slice runs. That is accepted: such a
 * principal administers the training compute already.
 */
export interface JobTokenScope {
  team: string;
  studyId: string;
  trialId: string;
}

const PREFIX = 'rjt1';
const SECRET_BYTES = 32;
const idPattern = /^[A-Za-z0-9_-]{1,128}$/;
const secretPattern = /^[A-Za-z0-9_-]{43}$/;

/** The scope a token claims (unverified: `verifyJobToken` checks it against the trial), or undefined when it is not a job token. */
export function jobTokenScope(token: string): JobTokenScope | undefined {
  const parts = token.split('.');
  if (parts.length !== 5 || parts[0] !== PREFIX) return undefined;
  const [, team, studyId, trialId, secret] = parts;
  if (![team, studyId, trialId].every((id) => idPattern.test(id)) || !secretPattern.test(secret)) return undefined;
  return { team, studyId, trialId };
}

export function jobTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** A token for the trial from `secret` (random bytes that come in as a parameter: the domain draws none itself). */
export function jobTokenFor(trial: JobTokenScope, secret: Uint8Array): string {
  if (secret.length !== SECRET_BYTES) throw new Error(`a job token needs ${SECRET_BYTES} random bytes, got ${secret.length}`);
  return `${PREFIX}.${trial.team}.${trial.studyId}.${trial.trialId}.${Buffer.from(secret).toString('base64url')}`;
}

/** The token of the slice about to start; its hash is stored on the trial (the token itself never is). */
export async function issueJobToken(ctx: StepContext, trial: Trial, study?: Study): Promise<{ token: string; trial: Trial }> {
  // The study as the step read it holds the key once one is drawn (it never changes): no read then.
  const key = study?.jobKey ? Buffer.from(study.jobKey, 'base64url') : await jobKeyOf(ctx, trial);
  const slice = Math.max(0, (trial.jobs?.length ?? 0) - 1);
  const secret = createHmac('sha256', key).update(`${trial.trialId}.${slice}`).digest();
  const token = jobTokenFor(trial, secret);
  const hash = jobTokenHash(token);
  const stored = await updateTrialWith(ctx, trial, (t) => (t.jobTokenHash === hash ? undefined : { ...t, jobTokenHash: hash }));
  return { token, trial: stored };
}

/** The study's job key, drawn on its first job (a compare-and-set: racing first jobs agree on one). */
async function jobKeyOf(ctx: StepContext, ref: Pick<Study, 'team' | 'studyId'>): Promise<Buffer> {
  const drawn = Buffer.from(ctx.randomBytes(SECRET_BYTES)).toString('base64url');
  const study = await updateStudyWith(ctx, ref, (s) => (s.jobKey ? undefined : { ...s, jobKey: drawn }));
  return Buffer.from(study.jobKey!, 'base64url');
}

/**
 * Checks a job's token on a request for `target`: another trial or study than the token's is 403
 * (before anything is read or written); a token that is not the trial's current one is 401.
 */
export async function verifyJobToken(
  store: StudyStore,
  token: string,
  target: { studyId: string; trialId: string },
): Promise<JobTokenScope> {
  const scope = jobTokenScope(token);
  if (!scope) throw new UnauthenticatedError('malformed job token');
  if (scope.studyId !== target.studyId || scope.trialId !== target.trialId)
    throw new ForbiddenError(`a job token reaches only its own trial (${scope.studyId}/${scope.trialId})`);
  const trial = await store.getTrial(scope.team, scope.studyId, scope.trialId);
  const expected = Buffer.from(trial?.jobTokenHash ?? '', 'base64url');
  const actual = Buffer.from(jobTokenHash(token), 'base64url');
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual))
    throw new UnauthenticatedError('the job token is not the current token of its trial');
  return scope;
}
