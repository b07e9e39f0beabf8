import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startEmbedded, type Embedded } from '../../runtime/embedded.js';
import { root, runStudy } from '../support/embedded.js';

/**
 * The embedded runtime holds executions to AWS's rules (runtime/aws-limits.ts) and ends a study
 * whose execution broke one the way the stack's execution-status rule does (executionEnded): here
 * with limits far below AWS's, so that a small study reaches them.
 */
function spec(name: string, scheduler: object = { type: 'hyperband', min: 1, max: 9, eta: 3 }, limits = { maxTrials: 12, parallelism: 2 }) {
  return {
    name,
    objective: { metric: 'acc', goal: 'maximize' },
    parameters: { x: { type: 'float', min: 0, max: 1 } },
    strategy: { sampler: 'random', scheduler, seed: 3 },
    limits,
    trial: { command: ['node', '-e', 'process.exit(0)'], gpus: 0, retries: 0 },
  };
}

/** A runtime of its own (the handler context is one per process: one runtime at a time), closed after `use`. */
async function withRuntime<T>(limits: { historyEvents?: number; payloadBytes?: number }, use: (runtime: Embedded) => Promise<T>) {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'rung-limits-'));
  const runtime = await startEmbedded({ scratchDir: scratch, jobCwd: root, executionLimits: limits });
  try {
    return await use(runtime);
  } finally {
    await runtime.close();
    await rm(scratch, { recursive: true, force: true });
  }
}

describe('an execution that breaks an AWS limit', () => {
  it('a StudyMachine state output over the payload limit: States.DataLimitExceeded, no Catch, and the study ends FAILED, resumable', async () => {
    // Act: Plan's output (40 ASHA lanes) is more than 2,000 bytes, a lane's states are less.
    const { study, trials, resumed } = await withRuntime({ payloadBytes: 2000 }, async (runtime) => {
      const ended = await runStudy(
        runtime,
        spec('limits-payload', { type: 'asha', min: 1, max: 9, eta: 3 }, { maxTrials: 40, parallelism: 40 }),
      );
      const resumed = await runtime.request('POST', `/studies/${ended.study.studyId}/resume`, {});
      await runtime.executions.wait(`${ended.study.studyId}-2`).catch(() => undefined);
      return { ...ended, resumed };
    });

    // Assess: no MarkFailed ran (no Catch handles it); executionEnded recorded the rule that broke,
    // and the study is FAILED (resumable), not stuck RUNNING.
    expect(study.state).toBe('FAILED');
    expect(study.error).toMatch(
      /^States\.DataLimitExceeded: the output of state Plan is \d+ bytes, more than the 2000 Step Functions allows$/,
    );
    expect(trials).toEqual([]);
    expect(resumed.status, JSON.stringify(resumed.body)).toBe(202);
  });

  it('a BracketMachine state over the payload limit: the parent catches the failed child (MarkFailed records it)', async () => {
    // Act: Suggest's output (the first bracket's nine trials) is more than 600 bytes.
    const { study } = await withRuntime({ payloadBytes: 600 }, (runtime) => runStudy(runtime, spec('limits-child-payload')));

    // Assess
    expect(study.state).toBe('FAILED');
    expect(study.error).toMatch(/the output of state Suggest is \d+ bytes, more than the 600 Step Functions allows/);
  });

  it('a BracketMachine over the history limit: its parent catches the failed child and the study ends FAILED with the rule', async () => {
    // Act
    const { study } = await withRuntime({ historyEvents: 40 }, (runtime) => runStudy(runtime, spec('limits-history')));

    // Assess
    expect(study.state).toBe('FAILED');
    expect(study.error).toMatch(/the execution reached 40 history events, the most a Standard workflow keeps/);
  });
});
