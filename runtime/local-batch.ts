import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { appendFile, readFile } from 'node:fs/promises';
import { constants } from 'node:os';
import path from 'node:path';
import type { RetryStrategy } from './definitions.js';

/** The resolved Parameters of a `batch:submitJob.sync` Task state. */
export interface SubmitJobParameters {
  JobName: string;
  JobQueue?: string;
  JobDefinition?: string;
  ContainerOverrides?: {
    Command?: string[];
    Environment?: { Name: string; Value: string }[];
  };
  /** SubmitJob's override of the job definition's retry strategy. */
  RetryStrategy?: RetryStrategy;
  /** Batch's per-attempt timeout override (the study's `trial.timeout`). */
  Timeout?: { AttemptDurationSeconds?: number };
}

/** What an error of a failed `.sync` job looks like to the state machine (Batch's DescribeJobs shape). */
export class BatchJobFailed extends Error {
  constructor(cause: object) {
    super(JSON.stringify(cause));
    // Step Functions reports a failed .sync job as States.TaskFailed; Catch clauses match that name.
    this.name = 'States.TaskFailed';
  }
}

export interface LocalBatchOptions {
  /** Where relative programs and paths in a command resolve. */
  cwd: string;
  /** One log file per job attempt (stdout and stderr together). */
  logDir: string;
  /** The job definition's own command, used when the state passes no override. */
  defaultCommand?: string[];
  /** Kills a job that runs longer (the job definition's timeout on AWS). */
  timeoutSeconds?: number;
}

/** How one attempt ended, as Batch's retry strategy sees it. */
export interface AttemptOutcome {
  exitCode?: number;
  statusReason: string;
  /** The container's reason (CannotStartContainerError, ...); absent for a plain exit. */
  reason?: string;
  /** The attempt ran past its timeout and was stopped (never retried). */
  timedOut?: boolean;
}

/** Batch's patterns: exact, or a prefix when they end with `*`. */
function globMatches(pattern: string | undefined, value: string): boolean {
  if (pattern === undefined) return true;
  return pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : value === pattern;
}

/**
 * What Batch does after a failed attempt: the action of the first EvaluateOnExit entry whose
 * every pattern matches, and RETRY when none matches (AWS Batch API, EvaluateOnExit).
 */
export function retryAction(strategy: RetryStrategy | undefined, outcome: AttemptOutcome): 'RETRY' | 'EXIT' {
  for (const rule of strategy?.EvaluateOnExit ?? []) {
    const matches =
      globMatches(rule.OnExitCode, outcome.exitCode === undefined ? '' : String(outcome.exitCode)) &&
      globMatches(rule.OnStatusReason, outcome.statusReason) &&
      globMatches(rule.OnReason, outcome.reason ?? '');
    if (matches) return rule.Action.toUpperCase() === 'EXIT' ? 'EXIT' : 'RETRY';
  }
  return 'RETRY';
}

interface RunningJob {
  jobName: string;
  attempt: number;
  child: ChildProcess;
}

/**
 * Runs Batch jobs as local processes with the same environment contract (docs/jobs.md): the
 * embedded runtime's stand-in for AWS Batch. Exit 0 is SUCCEEDED. A failed attempt is run again
 * as the job definition's retry strategy says (attempts, EvaluateOnExit), with
 * AWS_BATCH_JOB_ATTEMPT set as Batch sets it; the job FAILS when the strategy says EXIT or the
 * attempts are spent.
 */
export class LocalBatch {
  private readonly jobs = new Set<RunningJob>();
  private closed = false;

  /** Set once the job definition is known (it comes from the synthesized template). */
  defaultCommand: string[] | undefined;
  /** The job definition's retry strategy; without one, a job has one attempt (Batch's default). */
  retryStrategy: RetryStrategy | undefined;

  constructor(private readonly options: LocalBatchOptions) {
    this.defaultCommand = options.defaultCommand;
  }

  /** The jobs running now: their process ids, for a test or a tool that interrupts one as Batch would. */
  running(): { jobName: string; attempt: number; pid: number | undefined }[] {
    return [...this.jobs].map((j) => ({ jobName: j.jobName, attempt: j.attempt, pid: j.child.pid }));
  }

  async submitJobSync(params: SubmitJobParameters): Promise<object> {
    if (this.closed) throw new BatchJobFailed({ JobName: params.JobName, Status: 'FAILED', StatusReason: 'the runtime is shutting down' });
    const command = params.ContainerOverrides?.Command ?? this.defaultCommand;
    if (!command || command.length === 0)
      throw new BatchJobFailed({ JobName: params.JobName, Status: 'FAILED', StatusReason: 'no command' });
    const strategy = params.RetryStrategy ?? this.retryStrategy;
    const attempts = Math.max(1, strategy?.Attempts ?? 1);
    mkdirSync(this.options.logDir, { recursive: true });
    const logPath = path.join(this.options.logDir, `${params.JobName}.log`);
    const started = Date.now();
    const history: { ExitCode?: number; StatusReason: string }[] = [];
    for (let attempt = 1; ; attempt++) {
      const result = await this.runAttempt(params, command, attempt, logPath);
      const summary = { JobName: params.JobName, StartedAt: started, StoppedAt: Date.now(), LogPath: logPath };
      if (result.exitCode === 0) return { ...summary, Status: 'SUCCEEDED', ...(history.length > 0 ? { Attempts: history } : {}) };
      history.push({ ExitCode: result.exitCode, StatusReason: result.statusReason });
      // Batch does not retry an attempt that ran out of time, whatever its exit code.
      const action = this.closed || result.timedOut ? 'EXIT' : retryAction(strategy, result);
      if (action === 'RETRY' && attempt < attempts) {
        await appendFile(
          logPath,
          `[rung local batch] attempt ${attempt} ended (${result.statusReason}): retrying, attempt ${attempt + 1} of ${attempts}\n`,
        );
        continue;
      }
      const tail = (await readFile(logPath, 'utf8').catch(() => '')).split('\n').slice(-6).join('\n').trim();
      throw new BatchJobFailed({
        ...summary,
        Status: 'FAILED',
        StatusReason: result.statusReason,
        Container: { ExitCode: result.exitCode ?? null, Reason: result.reason ?? tail.slice(-400) },
        ...(history.length > 1 ? { Attempts: history } : {}),
      });
    }
  }

  private async runAttempt(params: SubmitJobParameters, command: string[], attempt: number, logPath: string): Promise<AttemptOutcome> {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const { Name, Value } of params.ContainerOverrides?.Environment ?? []) env[Name] = Value;
    // On AWS the image's entrypoint exports RUNG_ENV; here the runtime does it.
    if (env.RUNG_ENV) Object.assign(env, JSON.parse(env.RUNG_ENV) as Record<string, string>);
    env.AWS_BATCH_JOB_ATTEMPT = String(attempt);

    const log = createWriteStream(logPath, { flags: 'a' });
    // `node` means this Node.js: jobs run with the same version as the runtime, as in one image.
    const program = command[0] === 'node' ? process.execPath : command[0];
    const child = spawn(program, command.slice(1), { cwd: this.options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const job = { jobName: params.JobName, attempt, child };
    this.jobs.add(job);
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    let timedOut = false;
    const timeoutSeconds = params.Timeout?.AttemptDurationSeconds ?? this.options.timeoutSeconds;
    const timer = timeoutSeconds
      ? setTimeout(() => {
          timedOut = true;
          child.kill('SIGTERM');
        }, timeoutSeconds * 1000)
      : undefined;

    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
      child.on('error', (error) => resolve({ code: null, signal: null, error }));
      child.on('close', (code, signal) => resolve({ code, signal }));
    });
    if (timer) clearTimeout(timer);
    this.jobs.delete(job);
    await new Promise<void>((resolve) => log.end(resolve));

    if (exit.error)
      return {
        statusReason: `could not start ${command[0]}: ${exit.error.message}`,
        reason: `CannotStartContainerError: ${exit.error.message}`,
      };
    // A container killed by a signal exits 128 + the signal's number (143 for SIGTERM), as Docker reports it.
    const exitCode = exit.code ?? (exit.signal ? 128 + constants.signals[exit.signal] : undefined);
    const statusReason = timedOut
      ? 'Job attempt duration exceeded timeout'
      : exit.signal
        ? `killed by ${exit.signal}`
        : `exit code ${exit.code}`;
    return { exitCode, statusReason, timedOut };
  }

  /** Stops every running job (SIGTERM, as Batch does when a job is cancelled). */
  close(): void {
    this.closed = true;
    for (const { child } of this.jobs) child.kill('SIGTERM');
  }
}
