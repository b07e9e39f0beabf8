/**
 * The state machines and the job definition exactly as CDK synthesizes them, rendered for
 * the embedded runtime: an in-process synth with bundling off (well under a second after
 * aws-cdk-lib is loaded), the `DefinitionString` of each state machine with its few
 * CloudFormation intrinsics replaced by local names, parsed into plain ASL.
 *
 * Local names: `Ref`/`Fn::GetAtt` of a resource become a local ARN by resource type, e.g.
 * `arn:aws:lambda:local:000000000000:function:PlanFunction`,
 * `arn:aws:states:local:000000000000:stateMachine:BracketMachine`,
 * `arn:aws:batch:local:000000000000:job-queue/TrainingJobQueue`; pseudo parameters become
 * `aws`, `local`, `000000000000`, `amazonaws.com`.
 */
import { createRungApp } from '../infra/rung-app.js';
import { LOGICAL_IDS } from '../infra/workflow-contract.js';

export const LOCAL_PARTITION = 'aws';
export const LOCAL_REGION = 'local';
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_URL_SUFFIX = 'amazonaws.com';

export interface RenderedJobDefinition {
  /** Logical id of the AWS::Batch::JobDefinition (stable: `TrainingJobDefinition`). */
  logicalId: string;
  /** The job definition's default command (every TrainTrial overrides it with `$.job.command`). */
  command: string[];
  /** The job definition's fixed environment (the `RUNG_*` contract comes on top, per job). */
  environment: Record<string, string>;
  /** The job definition's retry strategy (Batch's RetryStrategy): LocalBatch applies it to local processes. */
  retryStrategy?: RetryStrategy;
}

/** AWS Batch's RetryStrategy as CloudFormation writes it. */
export interface RetryStrategy {
  Attempts?: number;
  EvaluateOnExit?: { Action: string; OnExitCode?: string; OnReason?: string; OnStatusReason?: string }[];
}

/** A Batch job queue of the template. */
export interface RenderedJobQueue {
  /** Its first compute environment is Spot: its jobs may be reclaimed, and wait for Spot capacity. */
  spot: boolean;
  /** How long a job waits RUNNABLE for capacity before Batch cancels it (JobStateTimeLimitActions), if bounded. */
  capacityWaitSeconds?: number;
}

export interface RenderedDefinitions {
  studyMachine: object;
  bracketMachine: object;
  laneMachine: object;
  jobDefinition: RenderedJobDefinition;
  /** The template's job queues by local ARN: LocalBatch takes jobs on these only. */
  jobQueues: Record<string, RenderedJobQueue>;
}

export class DefinitionRenderError extends Error {
  override readonly name = 'DefinitionRenderError';
}

interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
}
type Resources = Record<string, CfnResource>;

const PSEUDO_PARAMETERS: Record<string, string> = {
  'AWS::Partition': LOCAL_PARTITION,
  'AWS::Region': LOCAL_REGION,
  'AWS::AccountId': LOCAL_ACCOUNT,
  'AWS::URLSuffix': LOCAL_URL_SUFFIX,
};

/** Local ARN of a resource of the template, by its CloudFormation type. */
export function localArn(resources: Resources, logicalId: string): string {
  const resource = resources[logicalId];
  if (!resource) throw new DefinitionRenderError(`the template has no resource ${logicalId}`);
  const prefix = `arn:${LOCAL_PARTITION}`;
  switch (resource.Type) {
    case 'AWS::Lambda::Function':
      return `${prefix}:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${logicalId}`;
    case 'AWS::StepFunctions::StateMachine':
      return `${prefix}:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${logicalId}`;
    case 'AWS::Batch::JobDefinition':
      return `${prefix}:batch:${LOCAL_REGION}:${LOCAL_ACCOUNT}:job-definition/${logicalId}`;
    case 'AWS::Batch::JobQueue':
      return `${prefix}:batch:${LOCAL_REGION}:${LOCAL_ACCOUNT}:job-queue/${logicalId}`;
    case 'AWS::IAM::Role':
      return `${prefix}:iam::${LOCAL_ACCOUNT}:role/${logicalId}`;
    case 'AWS::DynamoDB::Table':
      return `${prefix}:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT}:table/${logicalId}`;
    case 'AWS::S3::Bucket':
      return `${prefix}:s3:::${logicalId}`;
    default:
      throw new DefinitionRenderError(`no local ARN for ${logicalId} (${resource.Type})`);
  }
}

/** Resolves the intrinsics CDK puts into definitions and job definitions to local values. */
export function resolveIntrinsics(value: unknown, resources: Resources): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value);
    if (entries.length === 1) {
      const [fn, arg] = entries[0]!;
      if (fn === 'Ref' && typeof arg === 'string') {
        return PSEUDO_PARAMETERS[arg] ?? (arg.startsWith('AWS::') ? unsupported(value) : localArn(resources, arg));
      }
      if (fn === 'Fn::GetAtt' && Array.isArray(arg) && typeof arg[0] === 'string') {
        return localArn(resources, arg[0]);
      }
      if (fn === 'Fn::Join' && Array.isArray(arg) && typeof arg[0] === 'string' && Array.isArray(arg[1])) {
        return (arg[1] as unknown[]).map((part) => resolveIntrinsics(part, resources)).join(arg[0]);
      }
    }
  }
  return unsupported(value);
}

function unsupported(value: unknown): never {
  throw new DefinitionRenderError(`cannot resolve ${JSON.stringify(value)} to a local value`);
}

function stateMachine(resources: Resources, logicalId: string): object {
  const resource = resources[logicalId];
  if (resource?.Type !== 'AWS::StepFunctions::StateMachine') {
    throw new DefinitionRenderError(`the template has no state machine ${logicalId}`);
  }
  const text = resolveIntrinsics(resource.Properties?.DefinitionString, resources);
  return JSON.parse(text) as object;
}

function jobDefinition(resources: Resources, logicalId: string): RenderedJobDefinition {
  const resource = resources[logicalId];
  if (resource?.Type !== 'AWS::Batch::JobDefinition') {
    throw new DefinitionRenderError(`the template has no job definition ${logicalId}`);
  }
  const container = (resource.Properties?.ContainerProperties ?? {}) as {
    Command?: unknown[];
    Environment?: { Name: string; Value: unknown }[];
  };
  const retryStrategy = resource.Properties?.RetryStrategy as RetryStrategy | undefined;
  return {
    logicalId,
    command: (container.Command ?? []).map((part) => resolveIntrinsics(part, resources)),
    environment: Object.fromEntries((container.Environment ?? []).map((e) => [e.Name, resolveIntrinsics(e.Value, resources)])),
    ...(retryStrategy ? { retryStrategy } : {}),
  };
}

function jobQueues(resources: Resources): Record<string, RenderedJobQueue> {
  const queues: Record<string, RenderedJobQueue> = {};
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::Batch::JobQueue') continue;
    const order = (resource.Properties?.ComputeEnvironmentOrder ?? []) as { Order: number; ComputeEnvironment: unknown }[];
    const first = [...order].sort((a, b) => a.Order - b.Order)[0];
    const ref = first?.ComputeEnvironment as { 'Fn::GetAtt'?: [string, string]; Ref?: string } | undefined;
    const environment = resources[ref?.['Fn::GetAtt']?.[0] ?? ref?.Ref ?? ''];
    if (environment?.Type !== 'AWS::Batch::ComputeEnvironment')
      throw new DefinitionRenderError(`job queue ${logicalId} names no compute environment of the template`);
    const type = (environment.Properties?.ComputeResources as { Type?: string } | undefined)?.Type;
    const limits = (resource.Properties?.JobStateTimeLimitActions ?? []) as { Reason: string; MaxTimeSeconds: number }[];
    const capacityWait = limits.find((l) => l.Reason === 'CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY')?.MaxTimeSeconds;
    queues[localArn(resources, logicalId)] = {
      spot: type === 'SPOT' || type === 'FARGATE_SPOT',
      ...(capacityWait !== undefined ? { capacityWaitSeconds: capacityWait } : {}),
    };
  }
  return queues;
}

let rendered: RenderedDefinitions | undefined;

/**
 * Renders the definitions; the synth runs once per process, and each call returns a fresh
 * deep copy (asl-validator, which aws-local-stepfunctions runs on the definitions it is given,
 * writes `QueryLanguage` into every state of the object it validates).
 */
export function renderDefinitions(): RenderedDefinitions {
  rendered ??= render();
  return structuredClone(rendered);
}

function render(): RenderedDefinitions {
  const { app, stack } = createRungApp({ bundling: false });
  const template = app.synth().getStackByName(stack.stackName).template as { Resources: Resources };
  const resources = template.Resources;
  return {
    studyMachine: stateMachine(resources, LOGICAL_IDS.studyMachine),
    bracketMachine: stateMachine(resources, LOGICAL_IDS.bracketMachine),
    laneMachine: stateMachine(resources, LOGICAL_IDS.laneMachine),
    jobDefinition: jobDefinition(resources, LOGICAL_IDS.jobDefinition),
    jobQueues: jobQueues(resources),
  };
}
