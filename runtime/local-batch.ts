import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { appendFile, readFile } from 'node:fs/promises';
import { constants } from 'node:os';
import path from 'node:path';
import { runnableLimitReason } from '../shared/study/job.js';
import type { RenderedJobQueue, RetryStrategy } from './definitions.js';

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
  /**
   * Seconds before each attempt's process starts: what scheduling, an instance start and the image
   * pull cost on AWS (default 0). The attempt's StartedAt comes after it, as Batch's does.
   */
  startDelaySeconds?: number;
  /** Seconds between SIGTERM and SIGKILL when a job is stopped (Batch: 30). */
  killGraceSeconds?: number;
}

/** What SubmitJob accepts (AWS Batch quotas): container overrides at most 8 KiB, the whole request 30 KiB. */
export const maxContainerOverridesBytes = 8192;
export const maxSubmitJobBytes = 30 * 1024;
/** Batch's status reason for an attempt whose Spot instance was reclaimed (the job definition retries `Host EC2*`). */
export const spotReclaimReason = 'Host EC2 (instance i-0local) terminated.';

/** SubmitJob's ClientException, as Step Functions names it for a `.sync` task. */
export class BatchClientException extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Batch.ClientException';
  }
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

/** Jobs run in their own process groups where there are process groups (not on Windows). */
const ownGroups = process.platform !== 'win32';

/** Sends the signal to the job's whole process group (the process alone without groups); a group already gone is fine. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (!ownGroups || child.pid === undefined) {
    child.kill(signal);
    return;
  }
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: nothing of the job is left.
  }
}

interface RunningJob {
  jobName: string;
  /** The queue's first compute environment is Spot: the attempt may be reclaimed. */
  spot: boolean;
  attempt: number;
  child: ChildProcess;
  /** Set when the runtime stops the attempt from outside: the status reason Batch would give it. */
  stoppedFor?: string;
  killTimer?: NodeJS.Timeout;
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
  /** Set by terminateAll: the reason every job since ends with, as TerminateJob gives it (no retry, no new job). */
  private terminated: string | undefined;

  /** Set once the job definition is known (it comes from the synthesized template). */
  defaultCommand: string[] | undefined;
  /** The job definition's retry strategy; without one, a job has one attempt (Batch's default). */
  retryStrategy: RetryStrategy | undefined;
  /**
   * The template's job queues by ARN (set with the definitions): a job for another queue is refused
   * as Batch refuses it. Undefined takes any queue, as Spot first (a LocalBatch on its own, in tests).
   */
  jobQueues: Record<string, RenderedJobQueue> | undefined;
  /**
   * No Spot capacity (a test's switch): a job on a Spot queue waits RUNNABLE for the queue's
   * capacity limit (`waitSeconds` instead, when given) and is then cancelled with Batch's reason.
   */
  spotShortage: { waitSeconds?: number } | undefined;

  constructor(private readonly options: LocalBatchOptions) {
    this.defaultCommand = options.defaultCommand;
  }

  /** The jobs running now: their process ids, for a test or a tool that interrupts one as Batch would. */
  running(): { jobName: string; attempt: number; pid: number | undefined; spot: boolean }[] {
    return [...this.jobs].map((j) => ({ jobName: j.jobName, attempt: j.attempt, pid: j.child.pid, spot: j.spot }));
  }

  async submitJobSync(params: SubmitJobParameters): Promise<object> {
    if (this.closed || this.terminated)
      throw new BatchJobFailed({
        JobName: params.JobName,
        Status: 'FAILED',
        StatusReason: this.terminated ?? 'the runtime is shutting down',
      });
    const overrides = Buffer.byteLength(JSON.stringify(params.ContainerOverrides ?? {}), 'utf8');
    if (overrides > maxContainerOverridesBytes)
      throw new BatchClientException(`Container overrides length must be at most ${maxContainerOverridesBytes} (${overrides} bytes)`);
    const request = Buffer.byteLength(JSON.stringify(params), 'utf8');
    if (request > maxSubmitJobBytes)
      throw new BatchClientException(`SubmitJob request must be at most ${maxSubmitJobBytes} bytes (${request})`);
    const queue = this.jobQueues ? this.jobQueues[params.JobQueue ?? ''] : { spot: true };
    if (!queue) throw new BatchClientException(`JobQueue ${params.JobQueue} does not exist`);
    if (queue.spot && this.spotShortage) {
      const wait = this.spotShortage.waitSeconds ?? queue.capacityWaitSeconds;
      // Unbounded: the job would wait RUNNABLE until capacity comes (the state's own timeout ends it on AWS).
      if (wait === undefined) throw new Error(`no Spot capacity and queue ${params.JobQueue} has no capacity limit`);
      await new Promise((resolve) => setTimeout(resolve, wait * 1000));
      throw new BatchJobFailed({
        JobName: params.JobName,
        Status: 'FAILED',
        StatusReason: `${runnableLimitReason}CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY`,
        Attempts: [],
      });
    }
    const command = params.ContainerOverrides?.Command ?? this.defaultCommand;
    if (!command || command.length === 0)
      throw new BatchJobFailed({ JobName: params.JobName, Status: 'FAILED', StatusReason: 'no command' });
    const strategy = params.RetryStrategy ?? this.retryStrategy;
    const attempts = Math.max(1, strategy?.Attempts ?? 1);
    mkdirSync(this.options.logDir, { recursive: true });
    const logPath = path.join(this.options.logDir, `${params.JobName}.log`);
    // Batch's description: one entry per attempt, each with its own start and stop (GPU time is
    // the sum of those, never the queue time between them).
    const history: { StartedAt: number; StoppedAt: number; StatusReason: string; Container: { ExitCode: number | null } }[] = [];
    for (let attempt = 1; ; attempt++) {
      const result = await this.runAttempt(params, command, attempt, logPath, queue.spot);
      history.push({
        StartedAt: result.startedAt,
        StoppedAt: result.stoppedAt,
        StatusReason: result.statusReason,
        Container: { ExitCode: result.exitCode ?? null },
      });
      const summary = {
        JobName: params.JobName,
        StartedAt: history[0]!.StartedAt,
        StoppedAt: result.stoppedAt,
        LogPath: logPath,
        Attempts: history,
      };
      if (result.exitCode === 0) return { ...summary, Status: 'SUCCEEDED' };
      // Batch does not retry an attempt that ran out of time, whatever its exit code.
      // Nor one terminated from outside (TerminateJob), nor any once the runtime closes.
      const action = this.closed || this.terminated || result.timedOut ? 'EXIT' : retryAction(strategy, result);
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
      });
    }
  }

  private async runAttempt(
    params: SubmitJobParameters,
    command: string[],
    attempt: number,
    logPath: string,
    spot: boolean,
  ): Promise<AttemptOutcome & { startedAt: number; stoppedAt: number }> {
    const delay = this.options.startDelaySeconds ?? 0;
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay * 1000));
    const startedAt = Date.now();
    const outcome = await this.runProcess(params, command, attempt, logPath, spot);
    return { ...outcome, startedAt, stoppedAt: Date.now() };
  }

  private async runProcess(
    params: SubmitJobParameters,
    command: string[],
    attempt: number,
    logPath: string,
    spot: boolean,
  ): Promise<AttemptOutcome> {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const { Name, Value } of params.ContainerOverrides?.Environment ?? []) env[Name] = Value;
    // On AWS the image's entrypoint exports RUNG_ENV; here the runtime does it.
    if (env.RUNG_ENV) Object.assign(env, JSON.parse(env.RUNG_ENV) as Record<string, string>);
    env.AWS_BATCH_JOB_ATTEMPT = String(attempt);

    const log = createWriteStream(logPath, { flags: 'a' });
    // `node` means this Node.js: jobs run with the same version as the runtime, as in one image.
    const program = command[0] === 'node' ? process.execPath : command[0];
    // Its own process group, as a container is its own world: a Ctrl-C in the terminal reaches the
    // runtime, which stops its jobs as Batch would (SIGTERM, then SIGKILL), not the jobs directly.
    const child = spawn(program, command.slice(1), {
      cwd: this.options.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: ownGroups,
    });
    const job: RunningJob = { jobName: params.JobName, spot, attempt, child };
    this.jobs.add(job);
    // A container ends with its main process: whatever that process started is killed with it.
    child.once('exit', () => killGroup(child, 'SIGKILL'));
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    let timedOut = false;
    const timeoutSeconds = params.Timeout?.AttemptDurationSeconds ?? this.options.timeoutSeconds;
    const timer = timeoutSeconds
      ? setTimeout(() => {
          timedOut = true;
          this.stop(job, 'SIGTERM');
        }, timeoutSeconds * 1000)
      : undefined;

    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
      child.on('error', (error) => resolve({ code: null, signal: null, error }));
      child.on('close', (code, signal) => resolve({ code, signal }));
    });
    if (timer) clearTimeout(timer);
    if (job.killTimer) clearTimeout(job.killTimer);
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
      : job.stoppedFor
        ? job.stoppedFor
        : exit.signal
          ? `killed by ${exit.signal}`
          : `exit code ${exit.code}`;
    return { exitCode, statusReason, timedOut };
  }

  /**
   * As Batch stops a container: SIGTERM, then SIGKILL when it has not exited `killGraceSeconds`
   * (30) later, so that a job that ignores SIGTERM is not waited for forever.
   */
  private stop(job: RunningJob, signal: 'SIGTERM' | 'SIGKILL', reason?: string): void {
    if (reason) job.stoppedFor = reason;
    // SIGTERM goes to the main process (`docker stop` signals PID 1); SIGKILL ends the whole container.
    if (signal === 'SIGKILL') killGroup(job.child, 'SIGKILL');
    else job.child.kill(signal);
    if (signal === 'SIGTERM' && !job.killTimer) {
      job.killTimer = setTimeout(() => killGroup(job.child, 'SIGKILL'), (this.options.killGraceSeconds ?? 30) * 1000);
      job.killTimer.unref();
    }
  }

  /**
   * A Spot reclaim of the job's instance: the attempt dies with SIGKILL (a standalone task gets no
   * SIGTERM) and ends with Batch's `Host EC2 ... terminated.` reason, which the retry strategy
   * retries. Returns false when no attempt of that job runs, or when it runs on-demand (a queue
   * without Spot first: `trial.spot: false`), which no reclaim reaches.
   */
  reclaim(jobName: string): boolean {
    const job = [...this.jobs].find((j) => j.jobName === jobName);
    if (!job || !job.spot) return false;
    this.stop(job, 'SIGKILL', spotReclaimReason);
    return true;
  }

  /**
   * TerminateJob for every job (a study stopped from the CLI): each running job gets SIGTERM, then
   * SIGKILL after the grace period, and ends FAILED with `reason`, never retried; a job submitted
   * from now on fails at once with the same reason. `now`: SIGKILL at once.
   */
  terminateAll(reason: string, now = false): void {
    this.terminated = reason;
    for (const job of this.jobs) this.stop(job, now ? 'SIGKILL' : 'SIGTERM', reason);
  }

  /** Stops every running job (SIGTERM, then SIGKILL after the grace period, as Batch does when a job is cancelled). */
  close(): void {
    this.closed = true;
    for (const job of this.jobs) this.stop(job, 'SIGTERM');
  }
}
