import { CfnResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { jobQueues, runnableLimitReason } from '../../shared/study/job.js';
import { childTaskTimeoutSeconds, trainTaskTimeoutSeconds } from '../../shared/study/timeouts.js';
import { RETRY_RULES } from './batch-training.js';
import {
  BRACKET_MACHINE_STATES as B,
  JOB_ENVIRONMENT,
  LAMBDA_RETRIES,
  LAMBDA_TASKS,
  LANE_MACHINE_STATES as L,
  LOGICAL_IDS,
  path,
  STUDY_MACHINE_STATES as S,
  type LambdaTaskName,
  type StatePayloads,
  type StepName,
} from '../workflow-contract.js';

/** The Lambda function of each step of the workflow contract. */
export type StepFunctions = Readonly<Record<StepName, lambda.IFunction>>;

const planned = path<StatePayloads['planned']>();
const bracket = path<StatePayloads['bracket']>();
const lane = path<StatePayloads['lane']>();
const rung = path<StatePayloads['rung']>();
const started = path<StatePayloads['started']>();
const observed = path<StatePayloads['observed']>();
const laneJob = path<StatePayloads['laneJob']>();
const laneObserved = path<StatePayloads['laneObserved']>();
const failed = path<StatePayloads['failed']>();
/** The fields of Batch's job description (the `.sync` result) that Observe reads. */
const batchJob = path<{ StartedAt: number; StoppedAt: number; Attempts: { StartedAt: number; StoppedAt: number }[] }>();

export interface StudyWorkflowProps {
  readonly steps: StepFunctions;
  /** Spot, with a bounded wait for capacity (jobQueues[0] of shared/study/job.ts). */
  readonly jobQueue: batch.IJobQueue;
  /** On-demand only (jobQueues[1]). */
  readonly onDemandJobQueue: batch.IJobQueue;
  readonly jobDefinition: batch.IJobDefinition;
}

/**
 * BatchSubmitJob turns `taskTimeout` into the job's per-attempt Batch timeout and writes no
 * TimeoutSeconds on the state, and it takes a retry strategy only as a fixed number. The state needs one of its own: the job definition already bounds
 * each attempt, this bounds all attempts together, and without it the embedded runtime stops the
 * Task after 60 s.
 */
class BatchSubmitJobWithStateTimeout extends tasks.BatchSubmitJob {
  private readonly stateTimeout: Duration;

  /** The job queues in the order of shared/study/job.ts `jobQueues`: `$.job.queue` picks one. */
  private readonly queues: batch.IJobQueue[];

  constructor(
    scope: Construct,
    id: string,
    props: Omit<tasks.BatchSubmitJobJsonPathProps, 'jobQueueArn'> & { stateTimeout: Duration; queues: batch.IJobQueue[] },
  ) {
    const { stateTimeout, queues, ...rest } = props;
    super(scope, id, { ...rest, jobQueueArn: queues[0]!.jobQueueArn });
    this.stateTimeout = stateTimeout;
    this.queues = queues;
    // What `.sync` needs beyond CDK's batch:SubmitJob: Step Functions polls the job with
    // DescribeJobs (no resource-level permissions) and terminates it with TerminateJob when the
    // execution is stopped or the state times out, so that no GPU job outlives its state.
    const stack = Stack.of(this);
    this.taskPolicies?.push(
      // CDK grants SubmitJob on the first queue: the others too.
      new iam.PolicyStatement({ actions: ['batch:SubmitJob'], resources: queues.slice(1).map((q) => q.jobQueueArn) }),
      new iam.PolicyStatement({ actions: ['batch:DescribeJobs'], resources: ['*'] }),
      new iam.PolicyStatement({
        actions: ['batch:TerminateJob'],
        resources: [stack.formatArn({ service: 'batch', resource: 'job', resourceName: '*' })],
      }),
    );
  }

  override toStateJson(topLevelQueryLanguage?: sfn.QueryLanguage): object {
    const state = super.toStateJson(topLevelQueryLanguage) as {
      Parameters: Record<string, unknown> & { ContainerOverrides?: Record<string, unknown> };
    };
    const { JobQueue: _fixed, ...parameters } = state.Parameters;
    const queueArns = this.queues.map((q) => `'${q.jobQueueArn}'`).join(', ');
    return {
      ...state,
      // The study's `trial.retries` sets the attempts. An override replaces the job definition's
      // whole strategy, so it repeats the rules (Spot reclaims and the checkpoint-and-retry code).
      Parameters: {
        ...parameters,
        // The study's `trial.spot` picks the queue: Spot first, or on-demand only.
        'JobQueue.$': `States.ArrayGetItem(States.Array(${queueArns}), ${started('job', 'queue')})`,
        // The study's `trial.gpus` (CDK's gpuCount takes a fixed number only): an empty list keeps
        // the job definition's one GPU.
        ContainerOverrides: { ...state.Parameters.ContainerOverrides, 'ResourceRequirements.$': started('job', 'resourceRequirements') },
        RetryStrategy: { 'Attempts.$': started('job', 'attempts'), EvaluateOnExit: RETRY_RULES },
        // The study's `trial.timeout` for each attempt (a timed-out attempt is not retried).
        Timeout: { 'AttemptDurationSeconds.$': started('job', 'timeoutSeconds') },
      },
      TimeoutSeconds: this.stateTimeout.toSeconds(),
    };
  }
}

/** Above the step functions' 60 s Lambda timeout. */
const LAMBDA_TASK_TIMEOUT = Duration.seconds(90);

/**
 * The two Standard state machines of docs/workflow.md, JSONPath only (no JSONata, no
 * Variables, no Distributed Map): the embedded runtime executes these very definitions.
 *
 * StudyMachine: Plan -> RunBrackets (Map, one bracket at a time) -> RunBracket (child
 * execution, `startExecution.sync:2`) -> PlanRetrain -> RunRetrain (the retraining bracket, if
 * any) -> Finalize; failures go to MarkFailed.
 * BracketMachine: Suggest -> IsBracketDone -> RunRung (Map over trial slots, at most
 * `parallelism` at once: StartTrial -> ShouldTrain -> TrainTrial (Batch `.sync`) -> Observe)
 * -> Promote -> IsBracketDone.
 */
export class StudyWorkflow extends Construct {
  readonly studyMachine: sfn.StateMachine;
  readonly bracketMachine: sfn.StateMachine;
  readonly laneMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: StudyWorkflowProps) {
    super(scope, id);
    const { steps } = props;

    // The contract's row names the step; every Lambda task retries the contract's retryable errors.
    const invoke = (stateName: LambdaTaskName, options: Partial<tasks.LambdaInvokeJsonPathProps> = {}) => {
      const task = tasks.LambdaInvoke.jsonPath(this, stateName, {
        stateName,
        lambdaFunction: steps[LAMBDA_TASKS[stateName].step],
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
        // Explicit, as every Task's: without one the embedded runtime gives up after 60 s.
        taskTimeout: sfn.Timeout.duration(LAMBDA_TASK_TIMEOUT),
        ...options,
      });
      for (const rule of [LAMBDA_RETRIES.service, LAMBDA_RETRIES.conflict]) {
        task.addRetry({
          errors: [...rule.errors],
          interval: Duration.seconds(rule.intervalSeconds),
          maxAttempts: rule.maxAttempts,
          backoffRate: rule.backoffRate,
          maxDelay: Duration.seconds(rule.maxDelaySeconds),
          jitterStrategy: sfn.JitterType.FULL,
        });
      }
      return task;
    };

    // ---------------------------------------------------------------- BracketMachine
    const suggest = invoke(B.suggest);
    const startTrial = invoke(B.startTrial);

    const trainTrial = this.trainTrial(props, B.trainTrial);

    // The iteration results are discarded by RunRung; OutputPath keeps each one a trial id so
    // that a rung of hundreds of trials stays far below the 256 KiB state payload limit.
    const observe = invoke(B.observe, { resultPath: sfn.JsonPath.DISCARD, outputPath: observed('trialId') });
    this.onDemandFallback('', B, trainTrial, observe, observed('jobError'));
    const trialSkipped = new sfn.Succeed(this, B.trialSkipped, { stateName: B.trialSkipped, outputPath: started('trialId') });

    const shouldTrain = sfn.Choice.jsonPath(this, B.shouldTrain, { stateName: B.shouldTrain })
      .when(sfn.Condition.booleanEquals(started('run'), true), trainTrial.next(observe))
      .otherwise(trialSkipped);

    const runRung = sfn.Map.jsonPath(this, B.runRung, {
      stateName: B.runRung,
      itemsPath: rung('trials'),
      maxConcurrencyPath: rung('parallelism'),
      resultPath: sfn.JsonPath.DISCARD,
    });
    runRung.itemProcessor(startTrial.next(shouldTrain));

    const promote = invoke(B.promote);
    const bracketDone = new sfn.Succeed(this, B.bracketDone, { stateName: B.bracketDone });
    const isBracketDone = sfn.Choice.jsonPath(this, B.isBracketDone, { stateName: B.isBracketDone });
    isBracketDone.when(sfn.Condition.booleanEquals(rung('done'), true), bracketDone).otherwise(runRung.next(promote).next(isBracketDone));

    this.bracketMachine = this.machine(LOGICAL_IDS.bracketMachine, suggest.next(isBracketDone));

    // ---------------------------------------------------------------- LaneMachine
    // Asynchronous schedulers (ASHA): each lane is one worker slot that pulls its next job until
    // there is none, so no GPU waits for a rung to fill. A lane stops after a bounded number of
    // jobs (NextJob decides) to stay under the history limit; Replan then starts fresh lanes.
    const nextJob = invoke(L.nextJob);
    const laneTrain = this.trainTrial(props, L.trainTrial, 'Lane');
    // ObserveJob returns the next NextJob input (the lane's position), replacing the state.
    const observeJob = invoke(L.observeJob);
    this.onDemandFallback('Lane', L, laneTrain, observeJob, laneObserved('jobError'));
    const laneDone = new sfn.Succeed(this, L.laneDone, { stateName: L.laneDone });
    const hasJob = sfn.Choice.jsonPath(this, L.hasJob, { stateName: L.hasJob })
      .when(sfn.Condition.booleanEquals(laneJob('run'), true), laneTrain.next(observeJob).next(nextJob))
      .otherwise(laneDone);
    this.laneMachine = this.machine(LOGICAL_IDS.laneMachine, nextJob.next(hasJob));

    // ---------------------------------------------------------------- StudyMachine
    /** A Lambda payload for the study in the state (`team`, `studyId`) and the given fields. */
    const studyPayload = (fields: Record<string, unknown>) =>
      sfn.TaskInput.fromObject({
        team: sfn.JsonPath.stringAt(planned('team')),
        studyId: sfn.JsonPath.stringAt(planned('studyId')),
        ...fields,
      });
    const plan = invoke(S.plan);

    const bracketInput = {
      team: sfn.JsonPath.stringAt(bracket('team')),
      studyId: sfn.JsonPath.stringAt(bracket('studyId')),
      bracket: sfn.JsonPath.numberAt(bracket('bracket')),
      name: sfn.JsonPath.stringAt(bracket('name')),
    };
    const runBracket = this.childExecution(S.runBracket, this.bracketMachine, bracketInput);

    const runBrackets = sfn.Map.jsonPath(this, S.runBrackets, {
      stateName: S.runBrackets,
      itemsPath: planned('brackets'),
      maxConcurrency: 1,
      resultPath: sfn.JsonPath.DISCARD,
    });
    runBrackets.itemProcessor(runBracket);

    const finalize = invoke(S.finalize, { payload: studyPayload({ outcome: 'COMPLETED' }) });
    const markFailed = invoke(S.markFailed, {
      payload: studyPayload({ outcome: 'FAILED', error: sfn.JsonPath.objectAt(failed('error')) }),
    });
    const studyFailed = new sfn.Fail(this, S.studyFailed, {
      stateName: S.studyFailed,
      error: 'StudyFailed',
      cause: 'The study failed; MarkFailed recorded the error on the study.',
    });
    const studyDone = new sfn.Succeed(this, S.studyDone, { stateName: S.studyDone });

    const runLane = this.childExecution(S.runLane, this.laneMachine, {
      team: sfn.JsonPath.stringAt(lane('team')),
      studyId: sfn.JsonPath.stringAt(lane('studyId')),
      lane: sfn.JsonPath.numberAt(lane('lane')),
      round: sfn.JsonPath.numberAt(lane('round')),
      jobIndex: 0,
    });
    // Every lane at once: Plan makes as many lanes as the study's parallelism.
    const runLanes = sfn.Map.jsonPath(this, S.runLanes, {
      stateName: S.runLanes,
      itemsPath: planned('lanes'),
      resultPath: sfn.JsonPath.DISCARD,
    });
    runLanes.itemProcessor(runLane);
    const replan = invoke(S.replan, {
      payload: studyPayload({ round: sfn.JsonPath.mathAdd(sfn.JsonPath.numberAt(planned('round')), 1) }),
    });
    // Once the search has ended: the retraining of its top-k from scratch (`retrain` in the spec;
    // no brackets without one), as one more bracket of the BracketMachine.
    const planRetrain = invoke(S.planRetrain, { payload: studyPayload({ phase: 'retrain' }) });
    const runRetrain = sfn.Map.jsonPath(this, S.runRetrain, {
      stateName: S.runRetrain,
      itemsPath: planned('brackets'),
      maxConcurrency: 1,
      resultPath: sfn.JsonPath.DISCARD,
    });
    runRetrain.itemProcessor(this.childExecution(S.retrainBracket, this.bracketMachine, bracketInput));

    const useLanes = sfn.Choice.jsonPath(this, S.useLanes, { stateName: S.useLanes })
      .when(sfn.Condition.isPresent(`${planned('lanes')}[0]`), runLanes.next(replan))
      .otherwise(runBrackets.next(planRetrain).next(runRetrain).next(finalize).next(studyDone));
    replan.next(useLanes);

    for (const state of [plan, runBrackets, runLanes, replan, planRetrain, runRetrain])
      state.addCatch(markFailed, { errors: [sfn.Errors.ALL], resultPath: failed('error') });
    markFailed.next(studyFailed);

    this.studyMachine = this.machine(LOGICAL_IDS.studyMachine, plan.next(useLanes));
  }

  /**
   * A child execution (`startExecution.sync:2`) named by `$.name`, so that a retried Task starts no
   * second child; associateWithParent needs an object input, so the fields are spelled out.
   */
  private childExecution(stateName: string, machine: sfn.IStateMachine, input: Record<string, unknown>): sfn.TaskStateBase {
    return tasks.StepFunctionsStartExecution.jsonPath(this, stateName, {
      stateName,
      stateMachine: machine,
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      associateWithParent: true,
      name: sfn.JsonPath.stringAt(bracket('name')),
      input: sfn.TaskInput.fromObject(input),
      // The child's whole description (its input and output, ~1 KB) would be kept for every
      // iteration of the Map around it: each iteration keeps only the child's name.
      resultPath: sfn.JsonPath.DISCARD,
      outputPath: bracket('name'),
      // A year, as long as an execution may run (shared/study/timeouts.ts; the embedded runtime clamps its timer).
      taskTimeout: sfn.Timeout.duration(Duration.seconds(childTaskTimeoutSeconds)),
    });
  }

  /** One Batch `.sync` training job per Task, with the job contract's environment from `$.job`. */
  private trainTrial(props: StudyWorkflowProps, stateName: string, idPrefix = ''): sfn.TaskStateBase {
    const environment = Object.fromEntries(
      JOB_ENVIRONMENT.map((name) => [name, sfn.JsonPath.stringAt(`${started('job', 'env')}.${name}`)]),
    );
    const trainTrial = new BatchSubmitJobWithStateTimeout(this, `${idPrefix}${stateName}`, {
      // Every attempt of the longest job the spec allows, plus queue time (shared/study/timeouts.ts).
      stateTimeout: Duration.seconds(trainTaskTimeoutSeconds),
      stateName,
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      jobName: sfn.JsonPath.stringAt(started('job', 'jobName')),
      queues: jobQueues.map((q) => ({ spot: props.jobQueue, onDemand: props.onDemandJobQueue })[q]),
      jobDefinitionArn: props.jobDefinition.jobDefinitionArn,
      containerOverrides: {
        command: sfn.JsonPath.listAt(started('job', 'command')),
        environment,
      },
      // Observe reads the trial's measurements from the store and the job's runtime (for its cost)
      // from $.jobResult; a failed job arrives as $.jobError instead.
      // Every attempt's start and stop: a job's GPU time is their sum, not the queue time between.
      resultSelector: {
        'StartedAt.$': batchJob('StartedAt'),
        'StoppedAt.$': batchJob('StoppedAt'),
        'AttemptsStartedAt.$': `${batchJob('Attempts')}[*].StartedAt`,
        'AttemptsStoppedAt.$': `${batchJob('Attempts')}[*].StoppedAt`,
      },
      resultPath: observed('jobResult'),
    });
    trainTrial.addRetry({
      errors: ['Batch.AWSBatchException'],
      interval: Duration.seconds(5),
      maxAttempts: 6,
      backoffRate: 2,
      maxDelay: Duration.minutes(2),
      jitterStrategy: sfn.JitterType.FULL,
    });
    return trainTrial;
  }

  /**
   * A job that Batch cancelled on the Spot queue after its RUNNABLE time limit (no Spot capacity
   * for `rung:spotCapacityWaitMinutes`, or a Spot environment that cannot take it) runs again on
   * the on-demand queue; any other failure reaches `observe` as `jobError`. The Catch writes
   * `$.caught`, and JobFailed copies it to `jobError` (InputPath selects it, ResultPath places it
   * into the state), so a slice that ran on demand after the wait carries no error. Choice rules
   * run in order: a caught error without a Cause never reaches the match (a missing path would
   * fail the execution).
   */
  private onDemandFallback(
    idPrefix: string,
    names: { spotUnavailable: string; onDemandInstead: string; jobFailed: string },
    train: sfn.TaskStateBase,
    observe: sfn.IChainable,
    jobErrorPath: string,
  ): void {
    const queue = started('job', 'queue');
    const caught = '$.caught';
    const onDemand = new sfn.Pass(this, `${idPrefix}${names.onDemandInstead}`, {
      stateName: names.onDemandInstead,
      result: sfn.Result.fromNumber(jobQueues.indexOf('onDemand')),
      resultPath: queue,
    });
    const jobFailed = new sfn.Pass(this, `${idPrefix}${names.jobFailed}`, {
      stateName: names.jobFailed,
      inputPath: caught,
      resultPath: jobErrorPath,
    });
    jobFailed.next(observe);
    const cause = `${caught}.Cause`;
    const spotUnavailable = sfn.Choice.jsonPath(this, `${idPrefix}${names.spotUnavailable}`, { stateName: names.spotUnavailable })
      .when(sfn.Condition.not(sfn.Condition.isPresent(cause)), jobFailed)
      .when(
        sfn.Condition.and(
          sfn.Condition.numberEquals(queue, jobQueues.indexOf('spot')),
          sfn.Condition.stringMatches(cause, `*${runnableLimitReason}*`),
        ),
        onDemand.next(train),
      )
      .otherwise(jobFailed);
    train.addCatch(spotUnavailable, { errors: [sfn.Errors.ALL], resultPath: caught });
  }

  private machine(name: string, definition: sfn.IChainable): sfn.StateMachine {
    const logGroup = new logs.LogGroup(this, `${name}Logs`, {
      // The vended-logs prefix keeps CloudWatch Logs resource policies small.
      logGroupName: `/aws/vendedlogs/states/${Stack.of(this).stackName}-${name}`,
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const machine = new sfn.StateMachine(this, name, {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      stateMachineType: sfn.StateMachineType.STANDARD,
      // Execution data holds trial parameters: the logs keep the events, not the payloads.
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
    });
    // A stable logical id: the embedded runtime and runtime/definitions.ts find the machine by it.
    (machine.node.defaultChild as CfnResource).overrideLogicalId(name);
    Validations.of(machine).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Step Functions logging (logs:CreateLogDelivery and related), X-Ray tracing (xray:PutTraceSegments and related) and batch:DescribeJobs (which the Batch .sync integration polls) support no resource-level permissions.',
    });
    return machine;
  }
}
