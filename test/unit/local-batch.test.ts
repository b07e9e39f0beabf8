import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalBatch, maxContainerOverridesBytes, spotReclaimReason, type SubmitJobParameters } from '../../runtime/local-batch.js';

/** The embedded runtime's Batch, held to what AWS Batch does: real child processes. */
async function batch(options: { killGraceSeconds?: number; startDelaySeconds?: number } = {}) {
  const logDir = await mkdtemp(path.join(os.tmpdir(), 'rung-local-batch-'));
  return new LocalBatch({ cwd: '.', logDir, ...options });
}

const job = (script: string, extra: Partial<SubmitJobParameters> = {}): SubmitJobParameters => ({
  JobName: `job-${Math.random().toString(36).slice(2, 8)}`,
  ContainerOverrides: { Command: ['node', '-e', script] },
  ...extra,
});

/** The job definition's rules (infra/constructs/batch-training.ts): Spot reclaims are retried. */
const retryReclaims = {
  Attempts: 3,
  EvaluateOnExit: [
    { Action: 'RETRY', OnStatusReason: 'Host EC2*' },
    { Action: 'EXIT', OnExitCode: '*' },
  ],
};

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: Error) => ({ name: e.name, cause: JSON.parse(e.message) as Record<string, any> }),
  );

describe('LocalBatch holds jobs to AWS Batch', () => {
  it('kills a job that ignores SIGTERM with SIGKILL after the grace period (Batch: 30 s)', async () => {
    // Prepare: a job that ignores SIGTERM and would run for a minute.
    const local = await batch({ killGraceSeconds: 0.5 });
    const stubborn = "process.on('SIGTERM', () => {}); setTimeout(() => {}, 60000); console.log('started')";

    // Act: its one-second attempt timeout sends SIGTERM, which it ignores.
    const failed = await failure(local.submitJobSync(job(stubborn, { Timeout: { AttemptDurationSeconds: 1 } })));

    // Assess: SIGKILL (exit 137) ended it, with the timeout's reason; a timed-out attempt is not retried.
    expect(failed?.name).toBe('States.TaskFailed');
    expect(failed?.cause.StatusReason).toBe('Job attempt duration exceeded timeout');
    expect(failed?.cause.Container.ExitCode).toBe(137);
    expect(failed?.cause.Attempts).toHaveLength(1);
  });

  it('injects a Spot reclaim: SIGKILL with the Host EC2 reason, retried by the strategy, and every attempt timed', async () => {
    // Prepare: the first attempt waits to be reclaimed, the second succeeds.
    const local = await batch();
    local.retryStrategy = retryReclaims;
    const script = "if (process.env.AWS_BATCH_JOB_ATTEMPT === '1') setTimeout(() => {}, 60000); else console.log('done')";
    const params = job(script);

    // Act
    const running = local.submitJobSync(params);
    while (local.running().length === 0) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    expect(local.reclaim(params.JobName)).toBe(true);
    const result = (await running) as { Status: string; Attempts: { StartedAt: number; StoppedAt: number; StatusReason: string }[] };

    // Assess
    expect(result.Status).toBe('SUCCEEDED');
    expect(result.Attempts.map((a) => a.StatusReason)).toEqual([spotReclaimReason, 'exit code 0']);
    for (const a of result.Attempts) expect(a.StoppedAt).toBeGreaterThanOrEqual(a.StartedAt);
    expect(result.Attempts[1]!.StartedAt).toBeGreaterThanOrEqual(result.Attempts[0]!.StoppedAt);
    expect(local.reclaim('no-such-job')).toBe(false);
  });

  it("takes jobs only on the template's queues (Batch.ClientException otherwise), and reclaims none on an on-demand queue", async () => {
    // Prepare
    const local = await batch();
    local.jobQueues = { 'arn:spot-first': { spot: true }, 'arn:on-demand': { spot: false } };
    const params = job('setTimeout(() => {}, 300)', { JobQueue: 'arn:on-demand' });

    // Act
    const unknown = await local.submitJobSync(job('1', { JobQueue: 'arn:other' })).then(
      () => undefined,
      (e: Error) => e,
    );
    const running = local.submitJobSync(params);
    while (local.running().length === 0) await new Promise((r) => setTimeout(r, 20));
    const reclaimed = local.reclaim(params.JobName);
    const result = (await running) as { Status: string };

    // Assess
    expect(unknown?.name).toBe('Batch.ClientException');
    expect(unknown?.message).toBe('JobQueue arn:other does not exist');
    expect(reclaimed).toBe(false);
    expect(result.Status).toBe('SUCCEEDED');
  });

  it('refuses container overrides over 8 KiB as SubmitJob does (Batch.ClientException), running nothing', async () => {
    // Prepare
    const local = await batch();
    const big = job('console.log(1)', {
      ContainerOverrides: { Command: ['node', '-e', '1'], Environment: [{ Name: 'BIG', Value: 'x'.repeat(maxContainerOverridesBytes) }] },
    });

    // Act
    const error = await local.submitJobSync(big).then(
      () => undefined,
      (e: Error) => e,
    );

    // Assess
    expect(error?.name).toBe('Batch.ClientException');
    expect(error?.message).toMatch(/^Container overrides length must be at most 8192/);
    expect(local.running()).toEqual([]);
  });

  it('pays a start delay before each attempt, outside the attempt’s StartedAt..StoppedAt', async () => {
    // Prepare
    const local = await batch({ startDelaySeconds: 0.4 });
    const submitted = Date.now();

    // Act
    const result = (await local.submitJobSync(job('console.log(1)'))) as { Attempts: { StartedAt: number }[] };

    // Assess: the attempt started after the delay, so its GPU time leaves the delay out.
    expect(result.Attempts[0]!.StartedAt - submitted).toBeGreaterThanOrEqual(400);
  });
});
