import type { Context } from 'hono';
import { NotFoundError } from '../../shared/errors.js';
import { verifyJobToken } from '../../shared/study/job-token.js';
import type { ApiDeps } from './deps.js';

/**
 * The team of a person's credential. A job's credential reaches only the measurement route: on
 * every other route it looks like nothing exists (404), so a job learns nothing about the API.
 */
export function personTeam(deps: Pick<ApiDeps, 'identify'>, c: Context): string {
  const caller = deps.identify(c);
  if (caller.kind !== 'person') throw new NotFoundError('not found');
  return caller.team;
}

/**
 * The team of a request on one trial's route that jobs call too: a person's team, or for a job
 * the team of its token, once the token is verified to be the current one of exactly this trial
 * (another trial, even of the same study, is 403; nothing is read or written for it).
 */
export async function trialCallerTeam(
  deps: Pick<ApiDeps, 'identify' | 'service'>,
  c: Context,
  target: { studyId: string; trialId: string },
): Promise<string> {
  const caller = deps.identify(c);
  if (caller.kind === 'person') return caller.team;
  return (await verifyJobToken(deps.service.store, caller.jobToken, target)).team;
}
