import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** The resolved Parameters of a `batch:submitJob.sync` Task state. */
export interface SubmitJobParameters {
  JobName: string;
  JobQueue?: string;
  JobDefinition?: string;
  ContainerOverrides?: {
    Command?: string[];
    Environment?: { Name: string; Value: string }[];
  };
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

/**
 * Runs Batch jobs as local processes with the same environment contract (docs/workflow.md): the
 * embedded runtime's stand-in for AWS Batch. Exit 0 is SUCCEEDED; anything else FAILED.
 */
export class LocalBatch {
  private readonly running = new Set<ChildProcess>();
  private closed = false;

  /** Set once the job definition is known (it comes from the synthesized template). */
  defaultCommand: string[] | undefined;

  constructor(private readonly options: LocalBatchOptions) {
    this.defaultCommand = options.defaultCommand;
  }

  async submitJobSync(params: SubmitJobParameters): Promise<object> {
    if (this.closed) throw new BatchJobFailed({ JobName: params.JobName, Status: 'FAILED', StatusReason: 'the runtime is shutting down' });
    const command = params.ContainerOverrides?.Command ?? this.defaultCommand;
    if (!command || command.length === 0) throw new BatchJobFailed({ JobName: params.JobName, Status: 'FAILED', StatusReason: 'no command' });
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const { Name, Value } of params.ContainerOverrides?.Environment ?? []) env[Name] = Value;
    // On AWS the image's entrypoint exports RUNG_ENV; here the runtime does it.
    if (env.RUNG_ENV) Object.assign(env, JSON.parse(env.RUNG_ENV) as Record<string, string>);

    mkdirSync(this.options.logDir, { recursive: true });
    const logPath = path.join(this.options.logDir, `${params.JobName}.log`);
    const log = createWriteStream(logPath, { flags: 'a' });
    // `node` means this Node.js: jobs run with the same version as the runtime, as in one image.
    const program = command[0] === 'node' ? process.execPath : command[0];
    const started = Date.now();
    const child = spawn(program, command.slice(1), { cwd: this.options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.running.add(child);
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    const timer = this.options.timeoutSeconds
      ? setTimeout(() => child.kill('SIGTERM'), this.options.timeoutSeconds * 1000)
      : undefined;

    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
      child.on('error', (error) => resolve({ code: null, signal: null, error }));
      child.on('close', (code, signal) => resolve({ code, signal }));
    });
    if (timer) clearTimeout(timer);
    this.running.delete(child);
    await new Promise<void>((resolve) => log.end(resolve));

    const summary = { JobName: params.JobName, StartedAt: started, StoppedAt: Date.now(), LogPath: logPath };
    if (exit.code === 0) return { ...summary, Status: 'SUCCEEDED' };
    const tail = (await readFile(logPath, 'utf8').catch(() => '')).split('\n').slice(-6).join('\n').trim();
    const reason = exit.error
      ? `could not start ${command[0]}: ${exit.error.message}`
      : exit.signal
        ? `killed by ${exit.signal}`
        : `exit code ${exit.code}`;
    throw new BatchJobFailed({
      ...summary,
      Status: 'FAILED',
      StatusReason: reason,
      Container: { ExitCode: exit.code, Reason: tail.slice(-400) },
    });
  }

  /** Stops every running job (SIGTERM, as Batch does when a job is cancelled). */
  close(): void {
    this.closed = true;
    for (const child of this.running) child.kill('SIGTERM');
  }
}
