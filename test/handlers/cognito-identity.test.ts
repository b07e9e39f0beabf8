import { randomBytes } from 'node:crypto';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useHandlerContext } from '../../functions/context.js';
import { callerFromClaims, callerOf, TEAM_GROUP_PREFIX } from '../../functions/api/identity.js';
import { UnauthenticatedError } from '../../shared/errors.js';
import { MemoryStore } from '../../shared/store/memory.js';
import { apiGatewayEvent } from '../support/api-gateway.js';
import { minimalSpecInput } from '../support/factories.js';

/**
 * `rung:auth` = cognito: the team comes from the caller's one `rung-team-*` Cognito group, in the
 * claims that API Gateway's user pool authorizer verified, never from a header or the body.
 */
const jobRoleArn = 'arn:aws:iam::123456789012:role/rung-jobs';
const claimsOf = (groups: unknown, sub = 'user-1') => ({
  sub,
  'cognito:username': 'alice',
  ...(groups === undefined ? {} : { 'cognito:groups': groups }),
});

describe('the team from verified Cognito claims', () => {
  it('is the one rung-team-* group, however API Gateway spells the groups', () => {
    // Act
    const teams = [
      callerFromClaims(claimsOf('rung-team-vision')),
      callerFromClaims(claimsOf('admins,rung-team-vision')),
      callerFromClaims(claimsOf('[admins rung-team-vision]')),
      callerFromClaims(claimsOf(['rung-team-vision', 'admins'])),
    ];
    // Assess
    for (const caller of teams) expect(caller).toEqual({ team: 'vision', kind: 'person' });
    expect(TEAM_GROUP_PREFIX).toBe('rung-team-');
  });

  it('refuses claims that name no team, two teams, or come without a verified subject', () => {
    // Act / Assess
    for (const claims of [
      claimsOf(undefined),
      claimsOf('admins'),
      claimsOf('rung-team-a,rung-team-b'),
      claimsOf('rung-team-bad!'),
      claimsOf('rung-team-a', ''),
      undefined,
    ]) {
      expect(() => callerFromClaims(claims)).toThrow(UnauthenticatedError);
    }
  });

  it('admits only the job role through IAM when people use Cognito', () => {
    // Prepare
    const person = { userArn: 'arn:aws:sts::123456789012:assumed-role/vision/alice' };
    const jobToken = `rjt1.vision.study-1.0.${'A'.repeat(43)}`;
    const job = { userArn: 'arn:aws:sts::123456789012:assumed-role/rung-jobs/batch', jobToken };
    // Act / Assess
    expect(() => callerOf('cognito', person, jobRoleArn)).toThrow(/sign in with Cognito/);
    expect(callerOf('cognito', job, jobRoleArn)).toEqual({ team: 'vision', kind: 'job', jobToken });
    // In IAM mode claims mean nothing: the principal decides.
    expect(callerOf('iam', { ...person, claims: claimsOf('rung-team-other') }, jobRoleArn)).toEqual({ team: 'vision', kind: 'person' });
  });
});

describe('the Lambda API handler with AUTH_MODE=cognito', () => {
  const sfn = mockClient(SFNClient);
  const saved = { ...process.env };

  beforeAll(() => {
    Object.assign(process.env, {
      AUTH_MODE: 'cognito',
      JOB_ROLE_ARN: jobRoleArn,
      STUDY_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:Study',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec', startDate: new Date() });
  });
  afterEach(() => useHandlerContext(undefined));
  afterAll(() => {
    sfn.restore();
    // Put back the variables this file set (process.env must stay the special object it is).
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  });

  const event = (
    method: string,
    path: string,
    auth: { claims?: Record<string, unknown>; userArn?: string },
    body?: unknown,
    headers: Record<string, string> = {},
  ) =>
    apiGatewayEvent(method, path, { identity: { userArn: auth.userArn ?? null }, claims: auth.claims }, body, {
      authorization: 'eyJraWQiOiJ0ZXN0In0.eyJzdWIiOiJ1c2VyLTEifQ.c2ln',
      ...headers,
    });

  it('keys the study by the claims’ team, not by a header or the body, and refuses a request without claims', async () => {
    // Prepare
    const store = new MemoryStore();
    useHandlerContext({
      store,
      artifactBaseUri: 's3://artifacts',
      now: () => new Date('2026-01-01T00:00:00Z'),
      random: () => 0.5,
      randomBytes,
    });
    const { handler } = await import('../../functions/api/handler.js');
    const vision = { claims: claimsOf('rung-team-vision') };
    // Act: a team in the body is refused (unknown field); one in x-rung-team is ignored.
    const withTeam = await handler(event('POST', '/studies', vision, { ...minimalSpecInput, team: 'other' }) as never, {} as never);
    const created = await handler(event('POST', '/studies', vision, minimalSpecInput, { 'x-rung-team': 'other' }) as never, {} as never);
    const mine = await handler(event('GET', '/studies', vision) as never, {} as never);
    const theirs = await handler(event('GET', '/studies', { claims: claimsOf('rung-team-other', 'user-2') }) as never, {} as never);
    const unsigned = await handler(event('GET', '/studies', {}) as never, {} as never);
    const iamPerson = await handler(
      event('GET', '/studies', { userArn: 'arn:aws:sts::123456789012:assumed-role/vision/alice' }) as never,
      {} as never,
    );
    const noTeam = await handler(event('GET', '/studies', { claims: claimsOf('admins') }) as never, {} as never);
    // Assess
    expect(withTeam.statusCode).toBe(400);
    expect(created.statusCode).toBe(201);
    expect(JSON.parse(created.body).team).toBe('vision');
    expect(JSON.parse(mine.body).items.map((s: { team: string }) => s.team)).toEqual(['vision']);
    expect(JSON.parse(theirs.body).items).toEqual([]);
    for (const res of [unsigned, iamPerson, noTeam]) expect(res.statusCode).toBe(401);
  });
});
