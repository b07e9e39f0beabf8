/**
 * The workflow contract (docs/workflow.md): one row per Task state, from which the state machines
 * (constructs/study-workflow.ts), the stack's Lambda functions (stacks/rung-stack.ts), the embedded
 * runtime's task table (runtime/executions.ts) and the docs' table are derived. It holds names,
 * zod schemas (pure data) and types only, so that infra, the handlers and the runtime may all
 * import it without importing one another's code.
 */
import type { z } from 'zod';
import type { LaneJob, nextJob, observeJob } from '../shared/study/lanes.js';
import type { planRetrain } from '../shared/study/retrain-plan.js';
import {
  bracketInputSchema,
  finalizeInputSchema,
  laneInputSchema,
  observeInputSchema,
  observeJobInputSchema,
  planStepInputSchema,
  rungRefSchema,
  trialSlotSchema,
} from '../shared/study/step-inputs.js';
import type { finalize, observe, plan, promote, RungPlan, StartTrialResult, startTrial, suggest } from '../shared/study/workflow.js';

export const STUDY_MACHINE_STATES = {
  plan: 'Plan',
  useLanes: 'UseLanes',
  runLanes: 'RunLanes',
  runLane: 'RunLane',
  replan: 'Replan',
  runBrackets: 'RunBrackets',
  runBracket: 'RunBracket',
  planRetrain: 'PlanRetrain',
  runRetrain: 'RunRetrain',
  retrainBracket: 'RetrainBracket',
  finalize: 'Finalize',
  markFailed: 'MarkFailed',
  studyFailed: 'StudyFailed',
  studyDone: 'StudyDone',
} as const;

export const BRACKET_MACHINE_STATES = {
  suggest: 'Suggest',
  isBracketDone: 'IsBracketDone',
  runRung: 'RunRung',
  startTrial: 'StartTrial',
  shouldTrain: 'ShouldTrain',
  trainTrial: 'TrainTrial',
  spotUnavailable: 'SpotUnavailable',
  onDemandInstead: 'OnDemandInstead',
  jobFailed: 'JobFailed',
  observe: 'Observe',
  trialSkipped: 'TrialSkipped',
  promote: 'Promote',
  bracketDone: 'BracketDone',
} as const;

export const LANE_MACHINE_STATES = {
  nextJob: 'NextJob',
  hasJob: 'HasJob',
  trainTrial: 'TrainTrial',
  spotUnavailable: 'SpotUnavailable',
  onDemandInstead: 'OnDemandInstead',
  jobFailed: 'JobFailed',
  observeJob: 'ObserveJob',
  laneDone: 'LaneDone',
} as const;

/** Environment of every training job, in the order of the contract table; each value is a string. */
export { jobEnvNames as JOB_ENVIRONMENT, type JobEnvName as JobEnvironmentName } from '../shared/study/job-environment.js';

/** Logical ids of the resources the embedded runtime looks for in the synthesized template. */
export const LOGICAL_IDS = {
  studyMachine: 'StudyMachine',
  bracketMachine: 'BracketMachine',
  laneMachine: 'LaneMachine',
  jobDefinition: 'TrainingJobDefinition',
  jobQueue: 'TrainingJobQueue',
  onDemandJobQueue: 'OnDemandJobQueue',
} as const;

// ---------------------------------------------------------------- errors and their retries

/** A Retry rule of a Task state, as ASL writes it (exponential backoff, full jitter). */
export interface RetryRule {
  readonly errors: readonly string[];
  readonly intervalSeconds: number;
  readonly maxAttempts: number;
  readonly backoffRate: number;
  readonly maxDelaySeconds: number;
}

/**
 * Lambda's own failures: throttling, service faults, and an invocation that ended without an
 * answer (`Lambda.Unknown`: out of memory, a crash). The step behind them is idempotent, so a new
 * invocation is safe.
 */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.TooManyRequestsException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.Unknown',
] as const;

/** Every Lambda Task state's Retry rules, in this order. */
export const LAMBDA_RETRIES = {
  /** A compare-and-set that lost its race to a concurrent writer: re-read and try again, soon. */
  conflict: { errors: ['RetryableConflictError'], intervalSeconds: 1, maxAttempts: 8, backoffRate: 2, maxDelaySeconds: 20 },
  service: { errors: LAMBDA_SERVICE_ERRORS, intervalSeconds: 2, maxAttempts: 6, backoffRate: 2, maxDelaySeconds: 60 },
} as const satisfies Record<string, RetryRule>;

/**
 * What a Task state does with an error its step throws: `retry` by the state's Retry rules (after
 * the last attempt it fails as `fail` does), or `fail` the execution, which MarkFailed records
 * (through the state's Catch, or that of the state that started its machine).
 */
export type ErrorHandling = 'retry' | 'fail';

/** Errors every step may throw: its input did not parse, its study or trial is gone, a race lost, a bug (a plain Error). */
const COMMON_ERRORS = {
  InvalidInputError: 'fail',
  NotFoundError: 'fail',
  ConflictError: 'fail',
  RetryableConflictError: 'retry',
  Error: 'fail',
  RangeError: 'fail',
} as const satisfies Record<string, ErrorHandling>;

/** Errors only some steps throw. */
const SAMPLER_ERRORS = { GpFitError: 'fail' } as const satisfies Record<string, ErrorHandling>;
const FAILED_TRIALS_ERRORS = { TooManyFailedTrialsError: 'fail' } as const satisfies Record<string, ErrorHandling>;
const IDEMPOTENCY_ERRORS = { IdempotencyKeyReusedError: 'fail' } as const satisfies Record<string, ErrorHandling>;

// ---------------------------------------------------------------- the step handlers

/** A Lambda step: one function of the stack, one handler module, one domain step. */
export interface StepHandlerContract<S extends z.ZodType = z.ZodType, O = unknown> {
  /** The handler module (functions/steps), bundled per function. */
  readonly entry: string;
  /** Logical id of the function (stable: the rendered definitions name `...:function:<id>`). */
  readonly functionId: string;
  readonly serviceName: string;
  readonly description: string;
  readonly input: S;
  /** Phantom: the step's output type, carried for the runtime's typed handler table. */
  readonly output?: O;
  /** Every error name the step's code may throw (test/infra/contract.test.ts checks the code against it). */
  readonly throws: Readonly<Record<string, ErrorHandling>>;
}

const handler = <S extends z.ZodType, O>(row: StepHandlerContract<S, O>) => row;
type Out<F extends (...args: never[]) => unknown> = Awaited<ReturnType<F>>;

export const STEP_HANDLERS = {
  plan: handler<typeof planStepInputSchema, Out<typeof plan> | Out<typeof planRetrain>>({
    entry: 'functions/steps/plan.ts',
    functionId: 'PlanFunction',
    serviceName: 'rung-plan',
    description: 'StudyMachine Plan: marks the study RUNNING, plans its brackets',
    input: planStepInputSchema,
    throws: { ...COMMON_ERRORS, ...SAMPLER_ERRORS, ...FAILED_TRIALS_ERRORS, ...IDEMPOTENCY_ERRORS },
  }),
  suggest: handler<typeof bracketInputSchema, Out<typeof suggest>>({
    entry: 'functions/steps/suggest.ts',
    functionId: 'SuggestFunction',
    serviceName: 'rung-suggest',
    description: "BracketMachine Suggest: creates the bracket's rung-0 trials",
    input: bracketInputSchema,
    throws: { ...COMMON_ERRORS, ...SAMPLER_ERRORS, ...FAILED_TRIALS_ERRORS, ...IDEMPOTENCY_ERRORS },
  }),
  startTrial: handler<typeof trialSlotSchema, Out<typeof startTrial>>({
    entry: 'functions/steps/start-trial.ts',
    functionId: 'StartTrialFunction',
    serviceName: 'rung-start-trial',
    description: 'BracketMachine StartTrial: marks a trial RUNNING, builds its job',
    input: trialSlotSchema,
    throws: { ...COMMON_ERRORS, ...SAMPLER_ERRORS, ...FAILED_TRIALS_ERRORS, ...IDEMPOTENCY_ERRORS },
  }),
  observe: handler<typeof observeInputSchema, Out<typeof observe>>({
    entry: 'functions/steps/observe.ts',
    functionId: 'ObserveFunction',
    serviceName: 'rung-observe',
    description: "BracketMachine Observe: ends a trial's rung from its measurements",
    input: observeInputSchema,
    throws: { ...COMMON_ERRORS, ...SAMPLER_ERRORS, ...FAILED_TRIALS_ERRORS, ...IDEMPOTENCY_ERRORS },
  }),
  promote: handler<typeof rungRefSchema, Out<typeof promote>>({
    entry: 'functions/steps/promote.ts',
    functionId: 'PromoteFunction',
    serviceName: 'rung-promote',
    description: 'BracketMachine Promote: picks the trials of the next rung',
    input: rungRefSchema,
    throws: { ...COMMON_ERRORS, ...SAMPLER_ERRORS, ...FAILED_TRIALS_ERRORS, ...IDEMPOTENCY_ERRORS },
  }),
  finalize: handler<typeof finalizeInputSchema, Out<typeof finalize>>({
    entry: 'functions/steps/finalize.ts',
    functionId: 'FinalizeFunction',
    serviceName: 'rung-finalize',
    description: 'StudyMachine Finalize/MarkFailed: ends the study',
    input: finalizeInputSchema,
    throws: { ...COMMON_ERRORS, ...SAMPLER_ERRORS, ...FAILED_TRIALS_ERRORS, ...IDEMPOTENCY_ERRORS },
  }),
  nextJob: handler<typeof laneInputSchema, Out<typeof nextJob>>({
    entry: 'functions/steps/next-job.ts',
    functionId: 'NextJobFunction',
    serviceName: 'rung-next-job',
    description: "LaneMachine NextJob: the asynchronous scheduler's next job for a lane",
    input: laneInputSchema,
    throws: { ...COMMON_ERRORS, ...SAMPLER_ERRORS, ...FAILED_TRIALS_ERRORS, ...IDEMPOTENCY_ERRORS },
  }),
  observeJob: handler<typeof observeJobInputSchema, Out<typeof observeJob>>({
    entry: 'functions/steps/observe-job.ts',
    functionId: 'ObserveJobFunction',
    serviceName: 'rung-observe-job',
    description: "LaneMachine ObserveJob: ends a lane job's slice from its measurements",
    input: observeJobInputSchema,
    throws: { ...COMMON_ERRORS, ...SAMPLER_ERRORS, ...FAILED_TRIALS_ERRORS, ...IDEMPOTENCY_ERRORS },
  }),
} as const;

export type StepName = keyof typeof STEP_HANDLERS;
export type StepInput<K extends StepName> = z.infer<(typeof STEP_HANDLERS)[K]['input']>;
export type StepOutput<K extends StepName> = NonNullable<(typeof STEP_HANDLERS)[K]['output']>;
/** A Lambda handler of a step: what functions/steps exports and the embedded runtime calls in process. */
export type StepLambda<K extends StepName> = (event: unknown) => Promise<StepOutput<K>>;

// ---------------------------------------------------------------- the Task states

export type MachineName = keyof typeof LOGICAL_IDS & ('studyMachine' | 'bracketMachine' | 'laneMachine');

/** A Lambda Task state: which machine holds it, which step it invokes, and what its input is. */
export interface LambdaTaskContract {
  readonly machine: MachineName;
  readonly step: StepName;
  readonly doc: string;
  /**
   * Only where a failure past every Retry fails the study's execution with no Catch left to record
   * it (the study's last writes): the local runtime records it as the execution-status event would.
   */
  readonly uncaught?: true;
}

const S = STUDY_MACHINE_STATES;
const B = BRACKET_MACHINE_STATES;
const L = LANE_MACHINE_STATES;

export const LAMBDA_TASKS = {
  [S.plan]: { machine: 'studyMachine', step: 'plan', doc: 'marks the study RUNNING, plans its brackets or its lanes of round 0' },
  [S.replan]: { machine: 'studyMachine', step: 'plan', doc: 'the lanes of the next round (`round` + 1), none when done' },
  [S.planRetrain]: { machine: 'studyMachine', step: 'plan', doc: 'the retraining bracket (`phase: retrain`), or none' },
  [S.finalize]: { machine: 'studyMachine', step: 'finalize', doc: 'marks the study COMPLETED (or STOPPED)', uncaught: true },
  [S.markFailed]: { machine: 'studyMachine', step: 'finalize', doc: 'marks the study FAILED with the caught error', uncaught: true },
  [B.suggest]: { machine: 'bracketMachine', step: 'suggest', doc: "creates the bracket's rung-0 trials" },
  [B.startTrial]: { machine: 'bracketMachine', step: 'startTrial', doc: 'marks the trial RUNNING for this rung, builds its job' },
  [B.observe]: { machine: 'bracketMachine', step: 'observe', doc: "ends the trial's rung from its measurements" },
  [B.promote]: { machine: 'bracketMachine', step: 'promote', doc: 'picks the top 1/eta of the rung for the next one' },
  [L.nextJob]: { machine: 'laneMachine', step: 'nextJob', doc: "claims the lane's next job" },
  [L.observeJob]: { machine: 'laneMachine', step: 'observeJob', doc: "ends the job's slice, returns the lane's next position" },
} as const satisfies Record<string, LambdaTaskContract>;

export type LambdaTaskName = keyof typeof LAMBDA_TASKS;

/** The Task states that are not Lambda invocations: what each runs (the embedded runtime overrides them by name). */
export const SERVICE_TASKS = {
  [B.trainTrial]: { machines: ['bracketMachine', 'laneMachine'], runs: 'batch:submitJob.sync' },
  [S.runBracket]: { machines: ['studyMachine'], runs: 'states:startExecution.sync:2', child: 'bracketMachine' },
  [S.retrainBracket]: { machines: ['studyMachine'], runs: 'states:startExecution.sync:2', child: 'bracketMachine' },
  [S.runLane]: { machines: ['studyMachine'], runs: 'states:startExecution.sync:2', child: 'laneMachine' },
} as const;

// ---------------------------------------------------------------- typed JSONPaths

type Depth = [never, 0, 1, 2, 3];
/** The paths into T (field names, at most four deep), as tuples of keys. */
export type PathOf<T, D extends number = 4> = [D] extends [never]
  ? never
  : T extends readonly unknown[]
    ? never
    : T extends object
      ? { [K in keyof T & string]-?: [K] | [K, ...PathOf<NonNullable<T[K]>, Depth[D]>] }[keyof T & string]
      : never;

/** A JSONPath into a state's input of type T, built from its field names: `path<RungPlan>()('trials')` is `$.trials`. */
export const path =
  <T>() =>
  (...keys: PathOf<T>): string =>
    ['$', ...(keys as string[])].join('.');

/** The states' payloads that the state machines' paths read and write. */
export interface StatePayloads {
  /** Plan's and Replan's output: the StudyMachine's state from there on. */
  planned: Out<typeof plan>;
  /** One item of RunBrackets and RunRetrain: a BracketMachine's input. */
  bracket: Out<typeof plan>['brackets'][number];
  /** One item of RunLanes. */
  lane: Out<typeof plan>['lanes'][number];
  /** Suggest's and Promote's output: the BracketMachine's state. */
  rung: RungPlan;
  /** StartTrial's output: an iteration of RunRung until Observe. */
  started: StartTrialResult;
  /** Observe's input: what TrainTrial adds to StartTrial's output. */
  observed: StepInput<'observe'>;
  /** NextJob's output: the LaneMachine's state until ObserveJob. */
  laneJob: LaneJob;
  /** ObserveJob's input. */
  laneObserved: StepInput<'observeJob'>;
  /** MarkFailed's input (the Catch writes the error). */
  failed: StepInput<'finalize'>;
}
