import './polyfills.js';
import { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError, StateMachine } from 'aws-local-stepfunctions';
import type { ExecutionStarter } from '../functions/api/app.js';
import { handler as executionEnded } from '../functions/steps/execution-ended.js';
import { handler as finalize } from '../functions/steps/finalize.js';
import { handler as nextJob } from '../functions/steps/next-job.js';
import { handler as observeJob } from '../functions/steps/observe-job.js';
import { handler as observe } from '../functions/steps/observe.js';
import { handler as plan } from '../functions/steps/plan.js';
import { handler as promote } from '../functions/steps/promote.js';
import { handler as startTrial } from '../functions/steps/start-trial.js';
import { handler as suggest } from '../functions/steps/suggest.js';
import {
  LAMBDA_TASKS,
  LOGICAL_IDS,
  SERVICE_TASKS,
  type LambdaTaskName,
  type MachineName,
  type StepLambda,
  type StepName,
} from '../infra/workflow-contract.js';
import { ExecutionLimits, type LimitViolation } from './aws-limits.js';
import type { LocalBatch, SubmitJobParameters } from './local-batch.js';

type Definition = Record<string, unknown> & { States: Record<string, Record<string, unknown>> };
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- resolved Task Parameters and results are JSON of each state's own shape
type TaskHandler = (input: any) => Promise<any>;

/** The handler module of each step, as its Lambda function runs it: a step missing here does not compile. */
const stepLambdas: { [K in StepName]: StepLambda<K> } = { plan, suggest, startTrial, observe, promote, finalize, nextJob, observeJob };

/** Lambda Task state name -> the handler it invokes on AWS (infra/workflow-contract.ts, LAMBDA_TASKS). */
export const lambdaTasks = Object.fromEntries(
  Object.entries(LAMBDA_TASKS).map(([state, row]) => [state, stepLambdas[row.step] as TaskHandler]),
) as Record<LambdaTaskName, TaskHandler>;

/** Every Task state of a definition, including those inside Map and Parallel states. */
export function taskStateNames(definition: Definition): string[] {
  const names: string[] = [];
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type === 'Task') names.push(name);
    const inner = (state.ItemProcessor ?? state.Iterator) as Definition | undefined;
    if (inner) names.push(...taskStateNames(inner));
    for (const branch of (state.Branches as Definition[] | undefined) ?? []) names.push(...taskStateNames(branch));
  }
  return names;
}

export interface LocalExecutionsOptions {
  studyMachine: Definition;
  bracketMachine: Definition;
  laneMachine: Definition;
  batch: Pick<LocalBatch, 'submitJobSync'>;
  /**
   * Runs each Task state's work (tests: to choose when it resolves, or to fail it); the default runs
   * it at once. `run` is the Lambda handler, the local job or the child execution.
   */
  task?: (state: string, input: unknown, run: () => Promise<unknown>) => Promise<unknown>;
  /** Tests: lower limits than AWS's (history events per execution, state payload bytes). */
  limits?: { historyEvents?: number; payloadBytes?: number };
}

/** How an execution ended, in the terms of Step Functions' execution status (and its error, when it failed). */
type ExecutionEnd = { status: 'FAILED' | 'TIMED_OUT' | 'ABORTED'; error: string; cause: string };

/** An error that ended an execution, as Step Functions reports the execution. */
function executionEnd(e: unknown, violation: LimitViolation | undefined): ExecutionEnd {
  if (violation) return { status: 'FAILED', error: violation.Error, cause: violation.Cause };
  if (e instanceof ExecutionAbortedError) return { status: 'ABORTED', error: 'ExecutionAborted', cause: 'the execution was stopped' };
  if (e instanceof ExecutionTimeoutError) return { status: 'TIMED_OUT', error: 'States.Timeout', cause: 'the execution timed out' };
  // aws-local-stepfunctions wraps the state's error in an ExecutionError; AWS reports the state's own.
  const inner = e instanceof ExecutionError ? (((e as Error).cause as Error | undefined) ?? (e as Error)) : (e as Error);
  return { status: 'FAILED', error: inner.name, cause: inner.message };
}

type ChildParams = { Input: unknown; Name?: string };

/**
 * Runs the synthesized state machines with aws-local-stepfunctions. Every Task state is
 * overridden: Lambda tasks call the handler modules in process, `TrainTrial` runs a local
 * process, `RunBracket` runs the child machine. A Task without an override would be sent to
 * real AWS, so construction fails when one is missing.
 */
export class LocalExecutions implements ExecutionStarter {
  private readonly machines: Record<MachineName, StateMachine>;
  private readonly overrides: Record<string, TaskHandler>;
  private readonly executions = new Map<string, Promise<unknown>>();
  private readonly aborts = new Set<() => void>();
  /** Task work that has not ended: an aborted execution does not stop a Lambda handler already running. */
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly options: LocalExecutionsOptions) {
    const services: Record<keyof typeof SERVICE_TASKS, TaskHandler> = {
      TrainTrial: (params: SubmitJobParameters) => options.batch.submitJobSync(params),
      RunBracket: (params: ChildParams) => this.runChild(SERVICE_TASKS.RunBracket.child, params),
      RetrainBracket: (params: ChildParams) => this.runChild(SERVICE_TASKS.RetrainBracket.child, params),
      RunLane: (params: ChildParams) => this.runChild(SERVICE_TASKS.RunLane.child, params),
    };
    const work: Record<string, TaskHandler> = { ...lambdaTasks, ...services };
    const task = options.task ?? ((_state: string, _input: unknown, run: () => Promise<unknown>) => run());
    this.overrides = Object.fromEntries(
      Object.entries(work).map(([state, run]) => [state, (input: unknown) => this.track(task(state, input, () => run(input)))]),
    );
    for (const def of [options.studyMachine, options.bracketMachine, options.laneMachine]) {
      const missing = taskStateNames(def).filter((name) => !this.overrides[name]);
      if (missing.length > 0) throw new Error(`Task states without a local override (they would call AWS): ${missing.join(', ')}`);
    }
    const validationOptions = { checkArn: false, checkPaths: true };
    this.machines = {
      studyMachine: new StateMachine(options.studyMachine as never, { validationOptions }),
      bracketMachine: new StateMachine(options.bracketMachine as never, { validationOptions }),
      laneMachine: new StateMachine(options.laneMachine as never, { validationOptions }),
    };
  }

  private overridesFor() {
    // Retries wait seconds on AWS (throttling, Lambda service errors); locally there is nothing to wait for.
    const retryIntervalOverrides = Object.fromEntries(Object.keys(this.overrides).map((name) => [name, 20]));
    return { taskResourceLocalHandlers: this.overrides, retryIntervalOverrides };
  }

  /** The Context Object that Step Functions gives an execution (`$$.Execution.*`). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the Context Object as aws-local-stepfunctions types it (its own Context type is not exported)
  private contextFor(machine: string, name: string, input: unknown): any {
    const id = `arn:aws:states:local:000000000000:execution:${machine}:${name}`;
    return { Execution: { Id: id, Name: name, Input: input, StartTime: new Date().toISOString(), RoleArn: 'local' } };
  }

  /** A `startExecution.sync:2` child: runs to its end and returns its output as JSON. */
  private async runChild(child: MachineName, params: ChildParams) {
    const machineName = LOGICAL_IDS[child];
    const name = params.Name ?? `${machineName}-${Date.now()}`;
    const execution = this.runWatched(child, params.Input, name);
    try {
      const output = await execution.result;
      // startExecution.sync:2 returns the child's output as JSON, not as a string.
      return { Output: output, Status: 'SUCCEEDED', Name: params.Name };
    } catch (e) {
      const end = executionEnd(e, execution.violation());
      const err = new Error(JSON.stringify({ Error: end.error, Cause: end.cause }));
      err.name = 'States.TaskFailed';
      throw err;
    }
  }

  /**
   * One execution, held to AWS's payload and history rules (runtime/aws-limits.ts): at the first
   * rule it breaks it is stopped, and it ends with that rule's error, as on AWS.
   */
  private runWatched(machine: MachineName, input: unknown, name: string) {
    const execution = this.machines[machine].run(input as never, {
      overrides: this.overridesFor(),
      context: this.contextFor(LOGICAL_IDS[machine], name, input),
    });
    const limits = new ExecutionLimits(this.options[machine], this.options.limits);
    const watched = limits.watch(execution.eventLogs as AsyncIterable<never>, () => execution.abort());
    this.aborts.add(execution.abort);
    const result = execution.result.finally(async () => {
      this.aborts.delete(execution.abort);
      await watched.catch(() => undefined);
    });
    return { result, violation: () => limits.violation };
  }

  /** Idempotent per name, as StartExecution is. */
  async start(input: { team: string; studyId: string }, name: string): Promise<void> {
    if (this.executions.has(name)) return;
    const execution = this.runWatched('studyMachine', input, name);
    const result = execution.result.catch(async (e: unknown) => {
      // An execution that ended past every Catch (a broken limit, an abort, a failed MarkFailed)
      // runs nothing more of its definition: on AWS the execution-status rule calls
      // executionEnded with this event, and so does the embedded runtime.
      const end = executionEnd(e, execution.violation());
      await executionEnded({
        'detail-type': 'Step Functions Execution Status Change',
        // Step Functions bounds an execution's error at 256 characters and its cause at 32,768.
        detail: {
          name,
          status: end.status,
          input: JSON.stringify(input),
          error: end.error.slice(0, 256),
          cause: end.cause.slice(0, 32_768),
        },
      }).catch(() => undefined);
      throw e;
    });
    result.catch(() => undefined);
    // settle() waits for it too: an aborted execution's ending is recorded before the store closes.
    this.track(result);
    this.executions.set(name, result);
  }

  /** Resolves when the named execution ends (rejects if it failed). */
  wait(name: string): Promise<unknown> {
    const execution = this.executions.get(name);
    if (!execution) return Promise.reject(new Error(`no execution ${name}`));
    return execution;
  }

  abortAll(): void {
    for (const abort of this.aborts) abort();
  }

  /**
   * Resolves once no Task work runs and every execution has ended, an aborted one with its ending
   * recorded (after abortAll, before the store closes), or after `timeoutMs`.
   */
  async settle(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight.size > 0 && Date.now() < deadline) {
      const left = deadline - Date.now();
      await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((resolve) => setTimeout(resolve, left).unref())]);
    }
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    const done = () => this.inFlight.delete(work);
    work.then(done, done);
    return work;
  }
}
