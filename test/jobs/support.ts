import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { expect } from 'vitest';
import { startEmbedded, type Embedded } from '../../runtime/embedded.js';
import type { Study, Trial } from '../../shared/study/types.js';
import { root, trialLog } from '../support/embedded.js';

/**
 * Shared by the job tests: every job runs as a real rung trial on the embedded runtime (the
 * rendered state machines, dynalite, the local API, local processes) with python3 + PyTorch.
 * Creating and running studies is the integration tests' (test/support/embedded.ts).
 */
export { createStudy, finish, root, runStudy, trialLog } from '../support/embedded.js';

/** A python3 that imports torch: $RUNG_PYTHON, else `python3` on PATH, else Debian's /usr/bin/python3. */
export function torchPython(): string {
  const candidates = [process.env.RUNG_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => Boolean(c));
  for (const candidate of candidates) {
    if (spawnSync(candidate, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0) return candidate;
  }
  throw new Error(`no python3 with torch among ${candidates.join(', ')}: apt-get install -y python3-torch (or set RUNG_PYTHON)`);
}

/**
 * Makes `python3` in the examples' commands (`[python3, -m, rung_jobs.x]`) resolve to an interpreter
 * with torch: a folder with a python3 link first on PATH (jobs inherit the runtime's environment).
 */
export function putTorchPythonOnPath(): string {
  const python = torchPython();
  const bin = mkdtempSync(path.join(os.tmpdir(), 'rung-python-'));
  const resolved = spawnSync(python, ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).stdout.trim();
  symlinkSync(resolved, path.join(bin, 'python3'));
  process.env.PATH = `${bin}${path.delimiter}${process.env.PATH}`;
  return bin;
}

/** Small data so that every job runs in seconds on a CPU core. */
export const tinyData = { TRAIN_EXAMPLES: '384', VAL_EXAMPLES: '256', OMP_NUM_THREADS: '1' };

export function example(file: string): any {
  return parse(readFileSync(path.join(root, 'examples', file), 'utf8'));
}

export interface JobsRuntime {
  runtime: Embedded;
  scratch: string;
  close(): Promise<void>;
}

/** The embedded runtime with jobs running in an example's folder, as `rung run examples/<folder>/...` does. */
export async function startForExample(folder: string): Promise<JobsRuntime> {
  const bin = putTorchPythonOnPath();
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'rung-jobs-'));
  const runtime = await startEmbedded({ scratchDir: scratch, jobCwd: path.join(root, 'examples', folder) });
  return {
    runtime,
    scratch,
    async close() {
      await runtime.close();
      rmSync(scratch, { recursive: true, force: true });
      rmSync(bin, { recursive: true, force: true });
    },
  };
}

export async function measurements(runtime: Embedded, studyId: string, trialId: string) {
  return runtime.store.listMeasurements('local', studyId, trialId);
}

/** The trial's checkpoint folder on the embedded runtime (RUNG_CHECKPOINT_URI). */
export function checkpointDir(scratch: string, studyId: string, trialId: string): string {
  return path.join(scratch, 'artifacts', 'teams', 'local', 'studies', studyId, 'trials', trialId, 'checkpoint');
}

export function readResult(scratch: string, studyId: string, trialId: string, name: string): any {
  return JSON.parse(readFileSync(path.join(checkpointDir(scratch, studyId, trialId), name), 'utf8'));
}

/** Fails with the trials' errors and logs, so that a broken job explains itself. */
export function expectCompleted(scratch: string, result: { study: Study; trials: Trial[] }) {
  const explain = result.trials
    .filter((t) => t.state === 'FAILED')
    .map((t) => `trial ${t.trialId}: ${t.error}\n${trialLog(scratch, result.study.studyId, t).slice(-15).join('\n')}`)
    .join('\n');
  expect(result.study.state, `${result.study.error ?? ''}\n${explain}`).toBe('COMPLETED');
  expect(explain).toBe('');
}
