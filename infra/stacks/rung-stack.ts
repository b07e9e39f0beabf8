import { ArnFormat, CfnOutput, CfnResource, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { type ApiAuth, RungApi } from '../constructs/api.js';
import { BatchTraining } from '../constructs/batch-training.js';
import { DashboardSite } from '../constructs/dashboard-site.js';
import { Network } from '../constructs/network.js';
import { RungFunction } from '../constructs/rung-function.js';
import { STUDY_DATA_PREFIX, Storage } from '../constructs/storage.js';
import { StudyWorkflow } from '../constructs/study-workflow.js';
import { RungUserPool } from '../constructs/user-pool.js';
import { S3_READ_WILDCARD_ACTIONS, acknowledgeWildcardAction, acknowledgeWildcardResource } from '../nag.js';
import { type RungSettings, readRungSettings } from '../settings.js';
import { LAMBDA_TASKS, LOGICAL_IDS, STEP_HANDLERS, type MachineName, type StepName } from '../workflow-contract.js';

export interface RungStackProps extends StackProps {
  /** @default read from the `rung:*` context keys */
  readonly settings?: RungSettings;
}

/** Handler modules by role (entry paths relative to the repository root; each exports `handler`). */
export const HANDLER_ENTRIES = {
  api: 'functions/api/handler.ts',
  executionEnded: 'functions/steps/execution-ended.ts',
  ...(Object.fromEntries(Object.entries(STEP_HANDLERS).map(([step, row]) => [step, row.entry])) as { readonly [K in StepName]: string }),
} as const;

/**
 * rung on AWS: REST API -> Lambda -> DynamoDB; Step Functions (StudyMachine, BracketMachine)
 * drive trials as AWS Batch GPU jobs (Spot first, on-demand fallback, scaled to zero);
 * checkpoints and artifacts in S3. Nothing in it is billed by the hour while no study runs
 * (unless `rung:privateSubnets` adds a NAT gateway).
 */
export class RungStack extends Stack {
  readonly storage: Storage;
  readonly network: Network;
  readonly training: BatchTraining;
  readonly workflow: StudyWorkflow;
  readonly api: RungApi;
  readonly apiFunction: RungFunction;
  /** With `rung:auth` = cognito: the user pool (created or imported) whose JWTs the API accepts. */
  readonly userPool?: RungUserPool;
  readonly dashboard: DashboardSite;
  readonly stepFunctions: Readonly<Record<StepName, RungFunction>>;
  /** Ends a study whose StudyMachine execution ended past every Catch (the target of `executionEndedRule`). */
  readonly executionEndedFunction: RungFunction;
  readonly executionEndedRule: events.Rule;

  constructor(scope: Construct, id: string, props: RungStackProps = {}) {
    super(scope, id, { description: 'rung: serverless hyperparameter optimization and NAS on AWS Batch GPUs', ...props });
    const settings = props.settings ?? readRungSettings(this);

    this.storage = new Storage(this, 'Storage');
    const { table, artifactBucket } = this.storage;

    this.network = new Network(this, 'Network', {
      privateSubnets: settings.privateSubnets,
      flowLogBucket: this.storage.logBucket,
    });

    this.training = new BatchTraining(this, 'Training', {
      vpc: this.network.vpc,
      subnets: this.network.batchSubnets,
      securityGroup: this.network.batchSecurityGroup,
      gpuInstanceTypes: settings.gpuInstanceTypes,
      maxvCpus: settings.maxvCpus,
      spotCapacityWaitMinutes: settings.spotCapacityWaitMinutes,
    });
    this.stableLogicalId(this.training.jobDefinition, LOGICAL_IDS.jobDefinition);
    this.stableLogicalId(this.training.jobQueue, LOGICAL_IDS.jobQueue);
    this.stableLogicalId(this.training.onDemandJobQueue, LOGICAL_IDS.onDemandJobQueue);

    const stepEnvironment = {
      TABLE_NAME: table.tableName,
      ARTIFACT_BASE_URI: this.storage.artifactBaseUri,
    };
    // One function per step of the workflow contract.
    this.stepFunctions = Object.fromEntries(
      Object.entries(STEP_HANDLERS).map(([step, row]) => [
        step,
        new RungFunction(this, row.functionId, {
          entry: row.entry,
          serviceName: row.serviceName,
          description: row.description,
          environment: stepEnvironment,
          timeout: Duration.seconds(60),
        }),
      ]),
    ) as Record<StepName, RungFunction>;
    for (const fn of Object.values(this.stepFunctions)) {
      // Stable logical ids: the rendered definitions name `...:function:PlanFunction` and so on.
      this.stableLogicalId(fn, fn.node.id);
      table.grantReadWriteData(fn);
    }

    this.workflow = new StudyWorkflow(this, 'Workflow', {
      steps: this.stepFunctions,
      jobQueue: this.training.jobQueue,
      onDemandJobQueue: this.training.onDemandJobQueue,
      jobDefinition: this.training.jobDefinition,
    });
    const { studyMachine } = this.workflow;

    // An execution that fails past every Catch (States.DataLimitExceeded, States.Runtime at the
    // history limit, a timeout, a StopExecution, a failed MarkFailed) runs nothing more of its
    // definition: this rule hands its end to executionEnded, which finalizes the study.
    this.executionEndedFunction = new RungFunction(this, 'ExecutionEndedFunction', {
      entry: HANDLER_ENTRIES.executionEnded,
      serviceName: 'rung-execution-ended',
      description: 'rung: ends a study whose workflow execution failed, timed out or was stopped past its Catch',
      environment: stepEnvironment,
      timeout: Duration.seconds(60),
    });
    this.stableLogicalId(this.executionEndedFunction, this.executionEndedFunction.node.id);
    table.grantReadWriteData(this.executionEndedFunction);
    this.executionEndedRule = new events.Rule(this, 'StudyExecutionEnded', {
      description: 'StudyMachine executions that ended FAILED, TIMED_OUT or ABORTED: the study is finalized',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [studyMachine.stateMachineArn] },
      },
      // EventBridge retries a failed delivery for up to 24 hours; Lambda retries a failed (asynchronous)
      // invocation twice, and the handler is idempotent (a study that already ended is left alone).
      targets: [new targets.LambdaFunction(this.executionEndedFunction, { maxEventAge: Duration.hours(24), retryAttempts: 185 })],
    });

    this.apiFunction = new RungFunction(this, 'ApiFunction', {
      entry: HANDLER_ENTRIES.api,
      serviceName: 'rung-api',
      description: 'rung REST API: studies, trials, measurements',
      timeout: Duration.seconds(29),
      environment: {
        ...stepEnvironment,
        STUDY_MACHINE_ARN: studyMachine.stateMachineArn,
        JOB_ROLE_ARN: this.training.jobRole.roleArn,
        // functions/api/identity.ts: where the team comes from (the IAM role, or a Cognito group).
        AUTH_MODE: settings.auth,
      },
    });
    this.stableLogicalId(this.apiFunction, this.apiFunction.node.id);
    table.grantReadWriteData(this.apiFunction);
    // The API signs each job's checkpoint URLs (read and write, its own trial's folder only).
    artifactBucket.grantRead(this.apiFunction, `${STUDY_DATA_PREFIX}*`);
    artifactBucket.grantPut(this.apiFunction, `${STUDY_DATA_PREFIX}*`);
    studyMachine.grantStartExecution(this.apiFunction);
    studyMachine.grantExecution(this.apiFunction, 'states:StopExecution', 'states:DescribeExecution');

    // The dashboard's static files, served on the API itself (same authorization, same origin).
    this.dashboard = new DashboardSite(this, 'Dashboard');

    let auth: ApiAuth = { mode: 'iam' };
    if (settings.auth === 'cognito') {
      this.userPool = new RungUserPool(this, 'Users', { userPoolArn: settings.cognitoUserPoolArn });
      auth = { mode: 'cognito', userPool: this.userPool.userPool };
    }
    this.api = new RungApi(this, 'Api', { auth, executionLogs: settings.apiExecutionLogs });
    this.api.addRoutes(this.apiFunction, this.dashboard.function);

    // Datasets the jobs may read (rung:dataBuckets): read-only, and nothing else of S3.
    for (const location of settings.dataBuckets) {
      const [bucketName, ...rest] = location.split('/');
      const prefix = rest.join('/');
      const bucket = s3.Bucket.fromBucketName(this, `DataBucket-${location.replace(/[^A-Za-z0-9]/g, '-')}`, bucketName!);
      bucket.grantRead(this.training.jobRole, prefix ? `${prefix}/*` : '*');
      for (const action of S3_READ_WILDCARD_ACTIONS)
        acknowledgeWildcardAction(
          this.training.jobRole,
          action,
          `Action group of CDK's bucket.grantRead on ${location}, a data location the stack's rung:dataBuckets names: jobs read their datasets there.`,
        );
      acknowledgeWildcardResource(
        this.training.jobRole,
        bucket.arnForObjects(prefix ? `${prefix}/*` : '*'),
        `Objects under ${location}, a data location the stack's rung:dataBuckets names (read-only).`,
      );
    }

    // The training jobs report measurements through the API, signing with the job role...
    iam.Grant.addToPrincipal({
      grantee: this.training.jobRole,
      actions: ['execute-api:Invoke'],
      resourceArns: this.api.jobRouteArns,
    });

    this.acknowledgeWildcards();

    new CfnOutput(this, 'ApiUrl', {
      value: `${this.api.baseUrl}/v1`,
      description: 'Base URL of the rung API v1 (SigV4-signed); jobs get it as RUNG_API_URL',
    });
    new CfnOutput(this, 'DashboardUrl', {
      value: `${this.api.baseUrl}/v1/dashboard/`,
      description: 'The dashboard (SigV4 like every route): open it through `rung dashboard --api <ApiUrl>`, which signs for the browser',
    });
    new CfnOutput(this, 'TableName', { value: table.tableName });
    new CfnOutput(this, 'BucketName', { value: artifactBucket.bucketName });
    new CfnOutput(this, 'StudyMachineArn', { value: studyMachine.stateMachineArn });
    new CfnOutput(this, 'JobQueueArn', { value: this.training.jobQueue.jobQueueArn });
    new CfnOutput(this, 'OnDemandJobQueueArn', { value: this.training.onDemandJobQueue.jobQueueArn });
  }

  /**
   * cdk-nag AwsSolutions-IAM5 findings of the grants above that are wildcards by nature,
   * each acknowledged on the role that holds it (the X-Ray, logging and ECR `Resource::*`
   * findings are acknowledged where those roles are made).
   */
  private acknowledgeWildcards(): void {
    const { artifactBucket } = this.storage;
    const { studyMachine, bracketMachine, laneMachine } = this.workflow;
    const stack = Stack.of(this);
    const executionsOf = (machine: sfn.IStateMachine, suffix: string) =>
      stack.formatArn({
        service: 'states',
        resource: 'execution',
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        resourceName: `${stack.splitArn(machine.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName}${suffix}`,
      });

    // The API's bucket grant (read), limited to the study-data prefix.
    const bucketUsers: [iam.IRole, readonly string[], string][] = [
      [
        this.apiFunction.role!,
        [...S3_READ_WILDCARD_ACTIONS, 's3:Abort*'],
        "the API signs each job's checkpoint URLs (GET and PUT of its own trial's objects)",
      ],
    ];
    for (const [role, actions, why] of bucketUsers) {
      for (const action of actions) {
        acknowledgeWildcardAction(role, action, `Action group of CDK's bucket grant, on the ${STUDY_DATA_PREFIX} prefix only: ${why}.`);
      }
      acknowledgeWildcardResource(
        role,
        artifactBucket.arnForObjects(`${STUDY_DATA_PREFIX}*`),
        `Object keys are per team, study and trial, known only at run time; limited to the ${STUDY_DATA_PREFIX} prefix: ${why}.`,
      );
    }

    // The API stops and describes study executions, named after study ids (known at run time).
    acknowledgeWildcardResource(
      this.apiFunction.role!,
      executionsOf(studyMachine, ':*'),
      'The API stops and describes executions of StudyMachine only; their names are study ids, known at run time.',
    );

    // The training jobs call two routes whose paths hold the study and trial ids.
    for (const arn of this.api.jobRouteArns)
      acknowledgeWildcardResource(
        this.training.jobRole,
        arn,
        'The job role may call POST /studies/{studyId}/trials/{trialId}/measurements and .../checkpoint-url on the v1 stage and nothing else; the ids are path parameters known at run time, and the job token limits a job to its own trial.',
      );

    // Step Functions task grants as CDK generates them.
    const stateMachines: Record<MachineName, sfn.StateMachine> = { studyMachine, bracketMachine, laneMachine };
    const machines = Object.entries(stateMachines).map(([name, machine]): [sfn.StateMachine, RungFunction[]] => {
      const steps = new Set(Object.values(LAMBDA_TASKS).flatMap((t): StepName[] => (t.machine === name ? [t.step] : [])));
      return [machine, [...steps].map((step) => this.stepFunctions[step])];
    });
    for (const [machine, functions] of machines) {
      for (const fn of functions) {
        acknowledgeWildcardResource(
          machine.role,
          `${fn.functionArn}:*`,
          `LambdaInvoke grants lambda:InvokeFunction on ${fn.node.id} and its versions and aliases (<arn>:*), as CDK generates it; no other function.`,
        );
      }
    }
    acknowledgeWildcardResource(
      studyMachine.role,
      executionsOf(bracketMachine, '*'),
      'RunBracket (startExecution.sync:2) must describe and stop the child executions of BracketMachine, whose names are only known at run time.',
    );
    acknowledgeWildcardResource(
      studyMachine.role,
      executionsOf(laneMachine, '*'),
      'RunLane (startExecution.sync:2) must describe and stop the child executions of LaneMachine, whose names are only known at run time.',
    );
    for (const machine of [bracketMachine, laneMachine]) {
      acknowledgeWildcardResource(
        machine.role,
        stack.formatArn({ service: 'batch', resource: 'job-definition', resourceName: '*' }),
        'BatchSubmitJob grants batch:SubmitJob on job-definition/* (a job definition ARN carries its revision); the job queue is named explicitly.',
      );
      acknowledgeWildcardResource(
        machine.role,
        stack.formatArn({ service: 'batch', resource: 'job', resourceName: '*' }),
        'The Batch .sync integration terminates the job it submitted when the execution stops or the state times out; job ids are known only at run time.',
      );
    }
  }

  private stableLogicalId(construct: Construct, logicalId: string): void {
    (construct.node.defaultChild as CfnResource).overrideLogicalId(logicalId);
  }
}
