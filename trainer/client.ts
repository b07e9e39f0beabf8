import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The TypeScript side of the job contract (docs/workflow.md): what a training job reads from its
 * environment, how it reports a measurement, and where its checkpoint lives. No dependencies:
 * it runs inside any job image with Node.
 */
export interface TrialEnvironment {
  team: string;
  studyId: string;
  trialId: string;
  params: Record<string, number | string | boolean>;
  /** Resource already trained: load the checkpoint when > 0. */
  resourceFrom: number;
  /** Train up to here, then checkpoint and exit 0. */
  resourceTo: number;
  rung: number;
  checkpointUri: string;
  /** Periodic checkpoints (`checkpointIfDue`): after this many seconds (0: never by time)... */
  checkpointEverySeconds: number;
  /** ... or this many steps (undefined: never by count), whichever comes first. */
  checkpointEverySteps: number | undefined;
  apiUrl: string;
  apiToken: string;
}

export class JobContractError extends Error {
  override name = 'JobContractError';
}

/** Seconds between periodic checkpoints without RUNG_CHECKPOINT_SECONDS (the study's default, shared/study/job-environment.ts). */
export const defaultCheckpointSeconds = 300;

/** RUNG_CHECKPOINT_SECONDS / RUNG_CHECKPOINT_STEPS; absent or empty: the default (an older runtime sets neither). */
function setting(env: NodeJS.ProcessEnv, name: string, least: number): number | undefined {
  const text = env[name]?.trim() ?? '';
  if (text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < least)
    throw new JobContractError(`${name}=${JSON.stringify(text)} must be a whole number of at least ${least}`);
  return value;
}

function need(env: NodeJS.ProcessEnv, name: string): string {
  const v = env[name];
  if (v === undefined) throw new JobContractError(`${name} is not set: run this program as a rung trial`);
  return v;
}

export function trialEnvironment(env: NodeJS.ProcessEnv = process.env): TrialEnvironment {
  return {
    team: need(env, 'RUNG_TEAM'),
    studyId: need(env, 'RUNG_STUDY_ID'),
    trialId: need(env, 'RUNG_TRIAL_ID'),
    params: JSON.parse(need(env, 'RUNG_PARAMS')),
    resourceFrom: Number(need(env, 'RUNG_RESOURCE_FROM')),
    resourceTo: Number(need(env, 'RUNG_RESOURCE_TO')),
    rung: Number(env.RUNG_RUNG ?? 0),
    checkpointUri: need(env, 'RUNG_CHECKPOINT_URI'),
    checkpointEverySeconds: setting(env, 'RUNG_CHECKPOINT_SECONDS', 0) ?? defaultCheckpointSeconds,
    checkpointEverySteps: setting(env, 'RUNG_CHECKPOINT_STEPS', 1),
    apiUrl: need(env, 'RUNG_API_URL'),
    apiToken: env.RUNG_API_TOKEN ?? '',
  };
}

/** An architecture a search job found, for the study's retraining phase (`retrain.from: candidates`). */
export interface Candidate {
  params: Record<string, string | number | boolean>;
  metrics?: Record<string, number>;
}

export class Trainer {
  /** The step and time (performance.now()) of the last save; the step is unknown until the first checkpointIfDue. */
  private lastSave: { step: number | undefined; at: number } = { step: undefined, at: performance.now() };

  constructor(readonly trial: TrialEnvironment = trialEnvironment()) {}

  /**
   * Reports the metrics of one step. Retried on network errors and 5xx; the API stores a step
   * once, so a retry never double-counts, and a step reported before with other values keeps
   * the first (logged, not thrown). Returns whether the study asks the job to stop.
   */
  async report(
    step: number,
    metrics: Record<string, number>,
    options: { candidates?: Candidate[] } = {},
  ): Promise<{ shouldStop: boolean }> {
    const { apiUrl, studyId, trialId, apiToken } = this.trial;
    const url = `${apiUrl}/studies/${encodeURIComponent(studyId)}/trials/${encodeURIComponent(trialId)}/measurements`;
    let lastError: unknown;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            // The trial's own token: it alone names the team, study and trial to the API.
            ...(apiToken ? { authorization: `Bearer ${apiToken}` } : {}),
          },
          body: JSON.stringify({ step, metrics, ...(options.candidates ? { candidates: options.candidates } : {}) }),
        });
        if (res.status < 500) {
          const body = (await res.json()) as { shouldStop?: boolean; error?: { code?: string; message: string } };
          // A step reported before with other values, which stand: an attempt resumed from a checkpoint re-runs
          // steps its predecessor reported, and goes on (the next new step's answer says whether to stop).
          if (res.status === 409 && body.error?.code === 'MeasurementConflict') {
            console.log(`rung: ${body.error.message}`);
            return { shouldStop: false };
          }
          if (!res.ok) throw new JobContractError(`report rejected (${res.status}): ${body.error?.message ?? 'unknown'}`);
          return { shouldStop: Boolean(body.shouldStop) };
        }
        lastError = new Error(`HTTP ${res.status}`);
      } catch (e) {
        if (e instanceof JobContractError) throw e;
        lastError = e;
      }
      await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
    }
    throw new Error(`could not report step ${step}: ${String(lastError)}`);
  }

  private checkpointFile(): string {
    const uri = this.trial.checkpointUri;
    if (!uri.startsWith('file://')) {
      throw new JobContractError(`the TypeScript client reads file:// checkpoints only; got ${uri} (use the Python client on AWS)`);
    }
    return path.join(fileURLToPath(uri), 'state.json');
  }

  /**
   * The saved state, or undefined when the trial starts from scratch. A retried attempt (Spot
   * reclaim, exit 143) gets the same RUNG_RESOURCE_FROM as the one it replaces, so a checkpoint is
   * loaded whenever one exists: it may be ahead of RESOURCE_FROM, never behind.
   */
  loadCheckpoint<T>(): T | undefined {
    const file = this.checkpointFile();
    if (!existsSync(file)) {
      if (this.trial.resourceFrom > 0)
        throw new JobContractError(`resuming from ${this.trial.resourceFrom} but there is no checkpoint at ${file}`);
      return undefined;
    }
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  }

  /** Writes atomically (temp file + rename), so that a job killed mid-write leaves the last good checkpoint. */
  saveCheckpoint(state: unknown): void {
    const file = this.checkpointFile();
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(state));
    renameSync(tmp, file);
    this.lastSave.at = performance.now();
  }

  /**
   * A periodic checkpoint: call it at the end of each step, once the step is reported, with the
   * state after that step (which records the step, as `epoch` does in the examples). Saves when
   * RUNG_CHECKPOINT_STEPS steps or RUNG_CHECKPOINT_SECONDS seconds have passed since the last
   * save (or the first call), whichever comes first, so that a job killed without warning (SIGKILL
   * 30 s after SIGTERM, a Spot reclaim that sends none) resumes from here rather than from the
   * start of its slice. Returns whether it saved. The slice's last step is saved by the job itself.
   */
  checkpointIfDue(step: number, state: () => unknown): boolean {
    // A resumed job's first call is the step after its checkpoint.
    const since = this.lastSave.step ?? step - 1;
    const { checkpointEverySeconds: seconds, checkpointEverySteps: steps } = this.trial;
    const due = (steps !== undefined && step - since >= steps) || (seconds > 0 && performance.now() - this.lastSave.at >= seconds * 1000);
    if (!due) {
      this.lastSave.step = since;
      return false;
    }
    this.saveCheckpoint(state());
    this.lastSave.step = step;
    console.log(`trial ${this.trial.trialId}: periodic checkpoint at step ${step}`);
    return true;
  }
}
