import { UnauthenticatedError } from '../../shared/errors.js';
import { jobTokenScope } from '../../shared/study/job-token.js';
import type { Caller } from './deps.js';

/** Cognito groups that name a team (infra/constructs/user-pool.ts): `rung-team-vision` is the team `vision`. */
export const TEAM_GROUP_PREFIX = 'rung-team-';

const teamPattern = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * On AWS a team is an IAM role (or user): the API's IAM authorization has already checked the
 * SigV4 signature, and API Gateway puts the verified principal in the request context. A team's
 * members assume the team's role; the team id is the role's name.
 *
 * The Batch job role is the one exception: a job signs as the role (the only route the role may
 * call is the measurement route) and carries its trial's token in `x-rung-job-token`, since
 * SigV4 holds the Authorization header. The token alone names the team, study and trial; the
 * route verifies it against the trial (functions/api/guards.ts). No header chooses a team.
 */
export function callerFromPrincipal(userArn: string | undefined, jobRoleArn: string | undefined, jobToken: string | undefined): Caller {
  if (!userArn) throw new UnauthenticatedError('the request carries no verified IAM principal');
  const name = principalName(userArn);
  if (!name) throw new UnauthenticatedError('unrecognized IAM principal');
  const jobRole = jobRoleArn ? jobRoleArn.split('/').at(-1) : undefined;
  if (jobRole && name === jobRole) return jobCaller(jobToken);
  return { team: name, kind: 'person' };
}

/** A job's caller from its token (RUNG_API_TOKEN), not yet checked against the trial; a missing or malformed token is 401. */
export function jobCaller(token: string | undefined): Caller {
  const scope = token ? jobTokenScope(token) : undefined;
  if (!token || !scope) throw new UnauthenticatedError('a job must present its trial token (RUNG_API_TOKEN)');
  return { team: scope.team, kind: 'job', jobToken: token };
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

/**
 * With `rung:auth` = cognito, people present a user pool's ID token: API Gateway's
 * CognitoUserPoolsAuthorizer has verified it (signature, expiry, audience) and put its claims in
 * the request context, which a client cannot write. The team is the caller's one `rung-team-*`
 * group: groups are set by the pool's administrators, never by the user, a header or the body.
 * No such group, or several, is a credential that names no team.
 */
export function callerFromClaims(claims: Record<string, unknown> | undefined): Caller {
  if (!claims || typeof claims.sub !== 'string' || claims.sub === '')
    throw new UnauthenticatedError('the request carries no verified Cognito claims');
  const teams = groupsOf(claims['cognito:groups'])
    .filter((g) => g.startsWith(TEAM_GROUP_PREFIX))
    .map((g) => g.slice(TEAM_GROUP_PREFIX.length));
  if (teams.length !== 1)
    throw new UnauthenticatedError(`the user must belong to exactly one ${TEAM_GROUP_PREFIX}<team> group, not ${teams.length}`);
  if (!teamPattern.test(teams[0])) throw new UnauthenticatedError('the team group name is not a valid team id');
  return { team: teams[0], kind: 'person' };
}

/** REST APIs pass `cognito:groups` as one string (`a,b`, or `[a b]`); an array is accepted too. */
function groupsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((g): g is string => typeof g === 'string');
  if (typeof value !== 'string') return [];
  return value
    .replace(/^\[|\]$/g, '')
    .split(/[,\s]+/)
    .filter(Boolean);
}

export type AuthMode = 'iam' | 'cognito';

/** What API Gateway verified about a request: the Cognito claims, or the SigV4 principal. */
export interface VerifiedRequest {
  claims?: Record<string, unknown>;
  userArn?: string;
  /** `x-rung-job-token`: read only when the principal is the job role. */
  jobToken?: string;
}

/**
 * The caller under the stack's auth mode. With Cognito, person routes carry claims; the one IAM
 * route (measurements) admits the job role only, so an IAM principal is never a person there.
 */
export function callerOf(mode: AuthMode, request: VerifiedRequest, jobRoleArn: string | undefined): Caller {
  if (mode === 'iam') return callerFromPrincipal(request.userArn, jobRoleArn, request.jobToken);
  if (request.claims) return callerFromClaims(request.claims);
  const caller = callerFromPrincipal(request.userArn, jobRoleArn, request.jobToken);
  if (caller.kind !== 'job') throw new UnauthenticatedError('people sign in with Cognito on this API');
  return caller;
}
