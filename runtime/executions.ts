import './polyfills.js';
import { StateMachine } from 'aws-local-stepfunctions';
import type { ExecutionStarter } from '../functions/api/app.js';
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

  constructor(private readonly options: LocalExecutionsOptions) {
    const services: Record<keyof typeof SERVICE_TASKS, TaskHandler> = {
      TrainTrial: (params: SubmitJobParameters) => options.batch.submitJobSync(params),
      RunBracket: (params: ChildParams) => this.runChild(SERVICE_TASKS.RunBracket.child, params),
      RetrainBracket: (params: ChildParams) => this.runChild(SERVICE_TASKS.RetrainBracket.child, params),
      RunLane: (params: ChildParams) => this.runChild(SERVICE_TASKS.RunLane.child, params),
    };
    const work: Record<string, TaskHandler> = { ...lambdaTasks, ...services };
    const task = options.task;
    this.overrides = task
      ? Object.fromEntries(Object.entries(work).map(([state, run]) => [state, (input: unknown) => task(state, input, () => run(input))]))
      : work;
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
    const execution = this.machines[child].run(params.Input as never, {
      overrides: this.overridesFor(),
      context: this.contextFor(machineName, name, params.Input),
    });
    this.aborts.add(execution.abort);
    try {
      const output = await execution.result;
      // startExecution.sync:2 returns the child's output as JSON, not as a string.
      return { Output: output, Status: 'SUCCEEDED', Name: params.Name };
    } catch (e) {
      // aws-local-stepfunctions wraps the child's error in an ExecutionError; AWS reports the child's own.
      const inner = ((e as Error).cause as Error | undefined) ?? (e as Error);
      const err = new Error(JSON.stringify({ Error: inner.name, Cause: inner.message }));
      err.name = 'States.TaskFailed';
      throw err;
    } finally {
      this.aborts.delete(execution.abort);
    }
  }

  /** Idempotent per name, as StartExecution is. */
  async start(input: { team: string; studyId: string }, name: string): Promise<void> {
    if (this.executions.has(name)) return;
    const execution = this.machines.studyMachine.run(input, {
      overrides: this.overridesFor(),
      context: this.contextFor(LOGICAL_IDS.studyMachine, name, input),
    });
    this.aborts.add(execution.abort);
    const result = execution.result
      .catch(async (e: Error) => {
        // An error the definition cannot catch (States.Runtime, an abort) skips MarkFailed; on AWS
        // the execution-status rule calls finalize the same way.
        await finalize({ ...input, outcome: 'FAILED', error: { Error: e.name, Cause: e.message } }).catch(() => undefined);
        throw e;
      })
      .finally(() => this.aborts.delete(execution.abort));
    result.catch(() => undefined);
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
}
