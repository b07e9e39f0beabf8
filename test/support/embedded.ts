import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { startEmbedded, type Embedded } from '../../runtime/embedded.js';
import { readAll } from '../../shared/store/port.js';
import type { Study, Trial } from '../../shared/study/types.js';

/**
 * Whole studies on the embedded runtime (the state machines rendered from the synthesized
 * template, dynalite, the local API, real job processes), for the integration and job tests.
 */
export const root = path.resolve(import.meta.dirname, '../..');

export async function createStudy(runtime: Embedded, spec: object): Promise<Study> {
  const created = await runtime.request('POST', '/studies', spec);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body as Study;
}

/** Waits for the study's workflow to end, then reads the study and its trials as it left them. */
export async function finish(runtime: Embedded, studyId: string) {
  // A failed study rejects here; what matters is what the workflow recorded on the study.
  await runtime.executions.wait(studyId).catch(() => undefined);
  const study = (await runtime.store.getStudy('local', studyId))!;
  const trials = await readAll((p) => runtime.store.listTrials('local', studyId, p));
  return { study, trials };
}

/** Posts the spec (which must be accepted) and waits for the study to end. */
export async function runStudy(runtime: Embedded, spec: object) {
  const study = await createStudy(runtime, spec);
  return finish(runtime, study.studyId);
}

/** Every log line of a trial's jobs, slice after slice (one log file per job, attempts appended). */
export function trialLog(scratch: string, studyId: string, trial: Pick<Trial, 'trialId'>): string[] {
  const dir = path.join(scratch, 'logs');
  return readdirSync(dir)
    .filter((f) => f.startsWith(`${studyId}-t${trial.trialId}-`))
    .sort()
    .flatMap((f) => readFileSync(path.join(dir, f), 'utf8').trim().split('\n'));
}

export interface EmbeddedForTests {
  /** Set before the file's first test. */
  runtime: Embedded;
  /** The runtime's folder (store, artifacts, logs/), removed after the file's last test. */
  scratch: string;
  runStudy(spec: object): ReturnType<typeof runStudy>;
  trialLog(studyId: string, trial: Pick<Trial, 'trialId'>): string[];
}

/**
 * The embedded runtime for one test file, in a fresh temp folder named after `prefix`, with the
 * jobs' commands run from the repository root: started before the file's tests, closed and removed
 * after them.
 */
export function useEmbedded(prefix: string): EmbeddedForTests {
  const embedded: EmbeddedForTests = {
    runtime: undefined as unknown as Embedded,
    scratch: '',
    runStudy: (spec) => runStudy(embedded.runtime, spec),
    trialLog: (studyId, trial) => trialLog(embedded.scratch, studyId, trial),
  };
  beforeAll(async () => {
    embedded.scratch = await mkdtemp(path.join(os.tmpdir(), prefix));
    embedded.runtime = await startEmbedded({ scratchDir: embedded.scratch, jobCwd: root });
  });
  afterAll(async () => {
    await embedded.runtime?.close();
    await rm(embedded.scratch, { recursive: true, force: true });
  });
  return embedded;
}
