import { randomBytes } from 'node:crypto';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { logger, useHandlerContext } from '../../functions/context.js';
import { MemoryStore } from '../../shared/store/memory.js';
import type { Study } from '../../shared/study/types.js';
import { apiGatewayEvent } from '../support/api-gateway.js';

/**
 * Logs carry no secrets and no parameter payloads by default: a study with a secret in its job
 * environment and distinctive parameter values goes through the Lambda API handler and a failing
 * step handler, with the Powertools logger at the level the stack deploys (INFO) and the
 * store failing with an SDK-like error that holds a whole item, as DynamoDB's do.
 */
const secrets = {
  bearer: 'eyJhbGciOiJSUzI1NiJ9.SECRET-ID-TOKEN.c2lnbmF0dXJl',
  envValue: 'sk-live-SECRET-WANDB-KEY-42',
  paramValue: 'categorical-SECRET-choice',
};
const spec = {
  name: 'logs',
  objective: { metric: 'acc', goal: 'maximize' },
  parameters: { arch: { type: 'categorical', values: [secrets.paramValue, 'other-choice'] } },
  limits: { maxTrials: 2 },
  trial: { command: ['train'], environment: { WANDB_API_KEY: secrets.envValue } },
};

/** A store whose reads fail, on demand, the way an SDK error does: with the stored item attached. */
class FailingStore extends MemoryStore {
  failing = false;
  override async getStudy(team: string, studyId: string): Promise<Study | undefined> {
    const study = await super.getStudy(team, studyId);
    if (this.failing)
      throw Object.assign(new Error('ConditionalCheckFailedException: The conditional request failed'), {
        name: 'ConditionalCheckFailedException',
        Item: study,
      });
    return study;
  }
}

describe('logs by default', () => {
  const sfn = mockClient(SFNClient);
  const saved = { ...process.env };
  const lines: string[] = [];

  beforeAll(() => {
    Object.assign(process.env, {
      AUTH_MODE: 'iam',
      JOB_ROLE_ARN: 'arn:aws:iam::123456789012:role/rung-jobs',
      STUDY_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:Study',
      AWS_REGION: 'us-east-1',
    });
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec', startDate: new Date() });
    logger.setLogLevel('INFO');
    // Powertools writes through a Console bound to process.stdout/stderr (or console in dev mode).
    const keep = (chunk: unknown) => void lines.push(String(chunk));
    for (const stream of [process.stdout, process.stderr])
      vi.spyOn(stream, 'write').mockImplementation((chunk: unknown) => (keep(chunk), true));
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const)
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => keep(args.map(String).join(' ')));
  });
  afterAll(() => {
    vi.restoreAllMocks();
    sfn.restore();
    useHandlerContext(undefined);
    // Put back the variables this file set (process.env must stay the special object it is).
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  });

  it('hold neither the credential, nor the job environment, nor parameter values, also when a request and a step fail', async () => {
    // Prepare
    const store = new FailingStore();
    useHandlerContext({
      store,
      artifactBaseUri: 's3://artifacts',
      now: () => new Date('2026-01-01T00:00:00Z'),
      random: () => 0.5,
      randomBytes,
    });
    const { handler } = await import('../../functions/api/handler.js');
    const { handler: plan } = await import('../../functions/steps/plan.js');
    const event = (method: string, path: string, body?: unknown) =>
      apiGatewayEvent(method, path, { identity: { userArn: 'arn:aws:sts::123456789012:assumed-role/vision/alice' } }, body, {
        authorization: `Bearer ${secrets.bearer}`,
      });

    // Act: a study is created and enqueued with the secret value; then a read and a step fail.
    const created = await handler(event('POST', '/studies', spec) as never, {} as never);
    const studyId = JSON.parse(created.body).studyId as string;
    const enqueued = await handler(
      event('POST', `/studies/${studyId}/trials/enqueue`, { configs: [{ arch: secrets.paramValue }] }) as never,
      {} as never,
    );
    store.failing = true;
    const failed = await handler(event('GET', `/studies/${studyId}`) as never, {} as never);
    const stepError = await plan({ team: 'vision', studyId } as never).catch((e: unknown) => e);
    store.failing = false;

    // Assess: the failures were logged (so the capture works), and nothing secret is in any line.
    expect(created.statusCode).toBe(201);
    expect([200, 201, 202]).toContain(enqueued.statusCode);
    expect(failed.statusCode).toBe(500);
    expect((stepError as Error).name).toBe('ConditionalCheckFailedException');
    const text = lines.join('\n');
    expect(text).toContain('unhandled error');
    expect(text).toContain('plan failed');
    for (const secret of Object.values(secrets)) expect(text).not.toContain(secret);
    expect(text).not.toContain('WANDB_API_KEY');
  });
});
