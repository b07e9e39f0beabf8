import type { Context } from 'hono';
import { NotFoundError } from '../../shared/errors.js';
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

/** The team of any known credential, a person's or a job's: the measurement route admits both. */
export function callerTeam(deps: Pick<ApiDeps, 'identify'>, c: Context): string {
  return deps.identify(c).team;
}
