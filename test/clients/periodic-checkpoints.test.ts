import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RungClient } from '../../clients/typescript/rung-client.js';
import { startEmbedded, type Embedded } from '../../runtime/embedded.js';

/**
 * A job SIGKILLed mid-slice (Batch's SIGKILL 30 s after SIGTERM; a Spot reclaim of a standalone
 * task sends no SIGTERM) and run again as Batch's next attempt resumes from its last periodic
 * checkpoint. Real processes of both trainer clients, reporting to the embedded runtime's API.
 * LocalBatch does not retry an attempt killed by SIGKILL (exit 137 matches the job definition's
 * EXIT rule), so the test runs the two attempts itself, with the job contract's environment.
 */
let runtime: Embedded;
let scratch: string;
let client: RungClient;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'rung-ckpt-'));
  runtime = await startEmbedded({ scratchDir: scratch });
  client = new RungClient({ apiUrl: runtime.apiUrl!, token: runtime.token });
});
afterAll(async () => {
  await runtime?.close();
  await rm(scratch, { recursive: true, force: true });
});

const end = 30;

interface Attempt {
  lines: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Runs one attempt; `killWhen` sees each line so far and says when to SIGKILL it. */
function attempt(command: string[], env: NodeJS.ProcessEnv, killWhen?: (lines: string[]) => boolean): Promise<Attempt> {
  const child = spawn(command[0]!, command.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let err = '';
  let buffer = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop()!;
    lines.push(...parts);
    if (killWhen?.(lines)) child.kill('SIGKILL');
  });
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ lines: code ? [...lines, err] : lines, code, signal })));
}

const numbers = (lines: string[], pattern: RegExp) => lines.flatMap((l) => (pattern.exec(l) ? [Number(pattern.exec(l)![1])] : []));

async function killAndResume(command: string[], every: Record<string, string>) {
  const study = await client.createStudy({
    name: `ckpt-${command[0]}`,
    objective: { metric: 'loss', goal: 'minimize' },
    parameters: { x: { type: 'float', min: 0, max: 1 } },
    strategy: { execution: 'external', sampler: 'random', seed: 1, scheduler: { type: 'fifo', max: end } },
    limits: { maxTrials: 1 },
    trial: { command },
  });
  const { trial } = await client.suggest(study.studyId, 'w');
  const env = {
    ...process.env,
    PYTHONPATH: path.join(import.meta.dirname, '../../jobs'),
    STEP_SECONDS: '0.1',
    RUNG_TEAM: 'local',
    RUNG_STUDY_ID: study.studyId,
    RUNG_TRIAL_ID: trial!.trialId,
    RUNG_PARAMS: JSON.stringify(trial!.params),
    RUNG_RESOURCE_FROM: '0',
    RUNG_RESOURCE_TO: String(end),
    RUNG_RUNG: '0',
    RUNG_CHECKPOINT_URI: `file://${path.join(scratch, study.studyId, 'checkpoint')}`,
    RUNG_API_URL: runtime.apiUrl!,
    RUNG_API_TOKEN: runtime.token,
    RUNG_ENV: '{}',
    ...every,
  };
  // Killed two steps after its first periodic checkpoint.
  const first = await attempt(command, { ...env, AWS_BATCH_JOB_ATTEMPT: '1' }, (lines) => {
    const saved = numbers(lines, /periodic checkpoint at step (\d+)/);
    return saved.length > 0 && numbers(lines, /trained step (\d+)/).at(-1)! >= saved[0]! + 2;
  });
  const second = await attempt(command, { ...env, AWS_BATCH_JOB_ATTEMPT: '2' });
  const measurements = await runtime.store.listMeasurements('local', study.studyId, trial!.trialId);
  return { first, second, measurements };
}

describe('periodic checkpoints: a job SIGKILLed mid-slice resumes from its last one', () => {
  for (const [name, command, every] of [
    [
      'Python (rung_trainer, by time)',
      ['python3', path.join(import.meta.dirname, 'checkpoint_job.py')],
      { RUNG_CHECKPOINT_SECONDS: '1', RUNG_CHECKPOINT_STEPS: '' },
    ],
    [
      'TypeScript (trainer/client.ts, by steps)',
      ['node', '--import', 'tsx', path.join(import.meta.dirname, 'checkpoint-job.ts')],
      { RUNG_CHECKPOINT_STEPS: '4' },
    ],
  ] as const) {
    it(
      name,
      async () => {
        // Act
        const { first, second, measurements } = await killAndResume([...command], every);
        // Assess
        expect(first.signal, first.lines.join('\n')).toBe('SIGKILL');
        const saved = numbers(first.lines, /periodic checkpoint at step (\d+)/);
        const trainedFirst = numbers(first.lines, /trained step (\d+)/);
        expect(saved.length).toBeGreaterThan(0);
        expect(second.code, second.lines.join('\n')).toBe(0);
        const [resumed] = numbers(second.lines, /resumed from (\d+)/);
        // From the last checkpoint the first attempt wrote (one may have landed after its last line), not from the start.
        expect(resumed).toBeGreaterThanOrEqual(saved.at(-1)!);
        expect(resumed).toBeLessThan(trainedFirst.at(-1)!);
        const trainedSecond = numbers(second.lines, /trained step (\d+)/);
        expect(trainedSecond).toEqual(Array.from({ length: end - resumed! }, (_, i) => resumed! + 1 + i));
        // Each step stored once; the first attempt's up to where it was killed (at least the checkpoint's), the rest the retry's.
        expect(measurements.map((m) => m.step)).toEqual(Array.from({ length: end }, (_, i) => i + 1));
        const byFirst = measurements.filter((m) => m.metrics.attempt === 1).map((m) => m.step);
        expect(byFirst).toEqual(Array.from({ length: byFirst.length }, (_, i) => i + 1));
        expect(byFirst.length).toBeGreaterThanOrEqual(resumed!);
        expect(measurements.filter((m) => m.metrics.attempt === 2).map((m) => m.step)).toEqual(
          Array.from({ length: end - byFirst.length }, (_, i) => byFirst.length + 1 + i),
        );
      },
      60_000,
    );
  }
});
