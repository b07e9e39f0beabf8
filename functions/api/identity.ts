import { UnauthenticatedError } from '../../shared/errors.js';
import type { Caller } from './app.js';

/**
 * On AWS a team is an IAM role (or user): the API's IAM authorization has already checked the
 * SigV4 signature, and API Gateway puts the verified principal in the request context. A team's
 * members assume the team's role; the team id is the role's name.
 *
 * The Batch job role is the one exception: it reports measurements for the team named in
 * `x-rung-team` (only the job role can sign requests as itself, and only on that route).
 */
export function callerFromPrincipal(userArn: string | undefined, jobRoleArn: string | undefined, teamHeader: string | undefined): Caller {
  if (!userArn) throw new UnauthenticatedError('the request carries no verified IAM principal');
  const name = principalName(userArn);
  if (!name) throw new UnauthenticatedError('unrecognized IAM principal');
  const jobRole = jobRoleArn ? jobRoleArn.split('/').at(-1) : undefined;
  if (jobRole && name === jobRole) {
    if (!teamHeader || !/^[A-Za-z0-9_-]{1,64}$/.test(teamHeader)) throw new UnauthenticatedError('a job must name its team in x-rung-team');
    return { team: teamHeader, kind: 'job' };
  }
  return { team: name, kind: 'person' };
}

/** `arn:aws:sts::1:assumed-role/ROLE/session` -> ROLE; `arn:aws:iam::1:user/path/NAME` -> NAME. */
export function principalName(arn: string): string | undefined {
  const resource = arn.split(':').slice(5).join(':');
  const parts = resource.split('/');
  let name: string | undefined;
  if (parts[0] === 'assumed-role') name = parts[1];
  else if (parts[0] === 'user' || parts[0] === 'role') name = parts.at(-1);
  return name && /^[A-Za-z0-9_+=,.@-]{1,64}$/.test(name) ? name.replace(/[^A-Za-z0-9_-]/g, '-') : undefined;
}
