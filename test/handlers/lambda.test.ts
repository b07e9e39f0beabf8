import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { startDynalite, createLocalDynamoClient, ensureTable, type LocalDynamo } from '../../runtime/dynalite.js';
import { useHandlerContext } from '../../functions/context.js';
import { apiGatewayEvent } from '../support/api-gateway.js';
import { minimalSpecInput } from '../support/factories.js';

/**
 * The Lambda entry points as AWS calls them: API Gateway proxy events in, proxy results out, the
 * DynamoDB adapter on dynalite (through the SDK's endpoint variable), and Step Functions mocked
 * because it cannot run here: the test asserts the exact request sent.
 */
let dynamo: LocalDynamo;
const sfn = mockClient(SFNClient);

beforeAll(async () => {
  dynamo = await startDynalite();
  const client = createLocalDynamoClient(dynamo.endpoint);
  await ensureTable(client, 'lambda-table');
  client.destroy();
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    TABLE_NAME: 'lambda-table',
    ARTIFACT_BASE_URI: 's3://artifacts',
    STUDY_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:Study',
    JOB_ROLE_ARN: 'arn:aws:iam::123456789012:role/rung-jobs',
  });
  useHandlerContext(undefined);
});
afterAll(async () => {
  sfn.restore();
  await dynamo.close();
});

const event = (method: string, path: string, userArn: string | null, body?: unknown, headers: Record<string, string> = {}) =>
  apiGatewayEvent(method, path, { identity: { userArn, caller: 'x' } }, body, headers);

describe('Lambda handlers on the AWS path', () => {
  it('creates a study for the caller’s role and starts the study machine with the study id as execution name', async () => {
    // Prepare
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec', startDate: new Date() });
    const { handler } = await import('../../functions/api/handler.js');
    // Act
    const res = await handler(
      event('POST', '/studies', 'arn:aws:sts::123456789012:assumed-role/vision-team/alice', minimalSpecInput) as never,
      {} as never,
    );
    const body = JSON.parse(res.body);
    // Assess
    expect(res.statusCode).toBe(201);
    expect(body).toMatchObject({ team: 'vision-team', state: 'PENDING', apiUrl: 'https://abc.execute-api.us-east-1.amazonaws.com/v1' });
    expect(sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input)).toEqual([
      {
        stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:Study',
        name: body.studyId,
        input: JSON.stringify({ team: 'vision-team', studyId: body.studyId }),
      },
    ]);
    // Another role sees nothing of it.
    const other = await handler(
      event('GET', `/studies/${body.studyId}`, 'arn:aws:sts::123456789012:assumed-role/nlp-team/bob') as never,
      {} as never,
    );
    expect(other.statusCode).toBe(404);
  });

  it('lets the job role report measurements with its trial token only, and nothing else', async () => {
    const { handler } = await import('../../functions/api/handler.js');
    const jobArn = 'arn:aws:sts::123456789012:assumed-role/rung-jobs/batch';
    const token = `rjt1.vision-team.none.0.${'A'.repeat(43)}`;
    const list = await handler(event('GET', '/studies', jobArn, undefined, { 'x-rung-job-token': token }) as never, {} as never);
    expect(list.statusCode).toBe(404);
    const report = (headers: Record<string, string>, trial = '0') =>
      handler(
        event('POST', `/studies/none/trials/${trial}/measurements`, jobArn, { step: 1, metrics: { acc: 1 } }, headers) as never,
        {} as never,
      );
    // A team header names nothing any more; a token for another trial is refused before any read.
    expect((await report({ 'x-rung-team': 'vision-team' })).statusCode).toBe(401);
    expect((await report({ 'x-rung-job-token': token }, '1')).statusCode).toBe(403);
    // The trial does not exist, so neither does its token.
    expect((await report({ 'x-rung-job-token': token })).statusCode).toBe(401);
    const unsigned = await handler(event('GET', '/studies', null) as never, {} as never);
    expect(unsigned.statusCode).toBe(401);
  });

  it('rejects a malformed step input with a named error that Step Functions can match', async () => {
    const { handler } = await import('../../functions/steps/suggest.js');
    await expect(handler({ team: 'a', studyId: 'b', bracket: -1 })).rejects.toMatchObject({ name: 'InvalidInputError' });
    await expect(handler({ team: 'a', studyId: 'b', bracket: 0 })).rejects.toMatchObject({
      name: 'NotFoundError',
      message: 'study b not found',
    });
  });
});
