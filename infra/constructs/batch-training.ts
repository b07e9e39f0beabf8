import { Duration, RemovalPolicy, Size, Stack, Validations } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { defaultJobTimeoutSeconds } from '../../shared/study/job-environment.js';
import { acknowledgeManagedPolicy } from '../nag.js';
import { fromRoot } from '../paths.js';

/** Status reason AWS Batch gives a job whose Spot instance was reclaimed. */
export const SPOT_RECLAIM_STATUS_REASON = 'Host EC2*';

/**
 * Exit code of a job that was interrupted (SIGTERM), saved its checkpoint and asks to be run again
 * (docs/jobs.md). 128 + SIGTERM: also the code of a job killed by SIGTERM without a handler.
 */
export const RETRY_EXIT_CODE = 143;

/**
 * The retry rules of every training job, in Batch's own shape, so that the job definition and
 * TrainTrial's per-study override (`trial.retries`, which replaces the whole strategy) say the same.
 */
export const RETRY_RULES = [
  // A reclaimed Spot instance is not the trial's fault: run it again (it resumes from its checkpoint).
  { Action: 'RETRY', OnStatusReason: SPOT_RECLAIM_STATUS_REASON },
  // The job caught SIGTERM (ECS draining a Spot instance, a timeout), checkpointed and asked to be retried.
  { Action: 'RETRY', OnExitCode: String(RETRY_EXIT_CODE) },
  // Any other non-zero exit is the trial's own error. Explicit, because Batch retries a job that
  // no rule matches, and a plain non-zero exit may carry no container reason for `OnReason` to match.
  { Action: 'EXIT', OnExitCode: '*' },
  // Anything else (image pull, ...) is final: the trial is FAILED and the study goes on.
  { Action: 'EXIT', OnReason: '*' },
] as const satisfies readonly { Action: 'RETRY' | 'EXIT'; OnStatusReason?: string; OnExitCode?: string; OnReason?: string }[];

function reasonOf(rule: (typeof RETRY_RULES)[number]): batch.CustomReason {
  return {
    ...('OnStatusReason' in rule ? { onStatusReason: rule.OnStatusReason } : {}),
    ...('OnExitCode' in rule ? { onExitCode: rule.OnExitCode } : {}),
    ...('OnReason' in rule ? { onReason: rule.OnReason } : {}),
  };
}

/** Command of the job definition; every TrainTrial state overrides it with `$.job.command`. */
export const DEFAULT_JOB_COMMAND = ['python', 'train.py'];

/** Wall-clock limit of one Batch job (one trial slice). */
export const JOB_TIMEOUT = Duration.seconds(defaultJobTimeoutSeconds);

export interface BatchTrainingProps {
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly gpuInstanceTypes: string[];
  readonly maxvCpus: number;
  /** Minutes a job may wait on the Spot queue for capacity before Batch cancels it (the workflow then runs it on demand). */
  readonly spotCapacityWaitMinutes: number;
}

/**
 * GPU training on AWS Batch: a Spot compute environment and an on-demand one, both scaling to
 * zero; a job queue for each (`trial.spot` picks one); and the GPU job definition whose container
 * runs one trial slice (the job contract in docs/workflow.md).
 *
 * Batch moves a job to a queue's second compute environment only when the first is INVALID or
 * can never fit it, not when Spot capacity is short, so the Spot queue has no on-demand
 * environment: it cancels a job that waited `spotCapacityWaitMinutes` for capacity, and the
 * workflow runs it again on the on-demand queue (infra/constructs/study-workflow.ts).
 */
export class BatchTraining extends Construct {
  /** Spot only, with a bounded wait for capacity (shared/study/job.ts `jobQueues[0]`). */
  readonly jobQueue: batch.JobQueue;
  /** On-demand only: studies with `trial.spot: false` (`jobQueues[1]`). */
  readonly onDemandJobQueue: batch.JobQueue;
  readonly jobDefinition: batch.EcsJobDefinition;
  readonly jobRole: iam.Role;
  readonly spotEnvironment: batch.ManagedEc2EcsComputeEnvironment;
  readonly onDemandEnvironment: batch.ManagedEc2EcsComputeEnvironment;

  constructor(scope: Construct, id: string, props: BatchTrainingProps) {
    super(scope, id);

    // IMDSv2 only, and one hop: containers cannot reach the instance role (they use their job role).
    // A 100 GiB gp3 root volume holds CUDA/PyTorch images (the AMI default of 30 GiB does not).
    const launchTemplate = new ec2.LaunchTemplate(this, 'GpuLaunchTemplate', {
      requireImdsv2: true,
      httpPutResponseHopLimit: 1,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs(100, { volumeType: ec2.EbsDeviceVolumeType.GP3, encrypted: true }),
        },
      ],
    });

    const common = {
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroups: [props.securityGroup],
      instanceTypes: props.gpuInstanceTypes.map((t) => new ec2.InstanceType(t)),
      useOptimalInstanceClasses: false,
      images: [{ imageType: batch.EcsMachineImageType.ECS_AL2023_NVIDIA }],
      minvCpus: 0,
      maxvCpus: props.maxvCpus,
      launchTemplate,
      updateToLatestImageVersion: true,
    } satisfies Partial<batch.ManagedEc2EcsComputeEnvironmentProps>;

    this.spotEnvironment = new batch.ManagedEc2EcsComputeEnvironment(this, 'SpotGpu', {
      ...common,
      spot: true,
      allocationStrategy: batch.AllocationStrategy.SPOT_PRICE_CAPACITY_OPTIMIZED,
    });
    this.onDemandEnvironment = new batch.ManagedEc2EcsComputeEnvironment(this, 'OnDemandGpu', {
      ...common,
      spot: false,
      allocationStrategy: batch.AllocationStrategy.BEST_FIT_PROGRESSIVE,
    });
    for (const environment of [this.spotEnvironment, this.onDemandEnvironment]) {
      // Pin the launch template version, so that a change of the template updates the environment.
      (environment.node.defaultChild as batch.CfnComputeEnvironment).addPropertyOverride(
        'ComputeResources.LaunchTemplate.Version',
        launchTemplate.latestVersionNumber,
      );
      acknowledgeManagedPolicy(
        environment,
        'service-role/AmazonEC2ContainerServiceforEC2Role',
        'The instance role of an ECS-on-EC2 Batch compute environment needs the ECS agent permissions that AWS maintains in AmazonEC2ContainerServiceforEC2Role; an inline copy would stop tracking agent changes.',
      );
    }

    // A job that no compute environment can ever run would wait at the head of the queue forever.
    const misconfigured = [
      { reason: batch.JobStateTimeLimitActionsReason.JOB_RESOURCE_REQUIREMENT, maxTime: Duration.minutes(10) },
      { reason: batch.JobStateTimeLimitActionsReason.COMPUTE_ENVIRONMENT_MAX_RESOURCE, maxTime: Duration.minutes(10) },
    ];
    this.jobQueue = new batch.JobQueue(this, 'GpuQueue', {
      priority: 1,
      computeEnvironments: [{ computeEnvironment: this.spotEnvironment, order: 1 }],
      jobStateTimeLimitActions: [
        ...misconfigured,
        {
          reason: batch.JobStateTimeLimitActionsReason.INSUFFICIENT_INSTANCE_CAPACITY,
          maxTime: Duration.minutes(props.spotCapacityWaitMinutes),
        },
      ],
    });
    this.onDemandJobQueue = new batch.JobQueue(this, 'OnDemandGpuQueue', {
      priority: 1,
      computeEnvironments: [{ computeEnvironment: this.onDemandEnvironment, order: 1 }],
      jobStateTimeLimitActions: [
        ...misconfigured,
        { reason: batch.JobStateTimeLimitActionsReason.INSUFFICIENT_INSTANCE_CAPACITY, maxTime: Duration.hours(6) },
      ],
    });

    // The job role: the trial's own AWS identity (checkpoints in S3, measurements through the API).
    this.jobRole = new iam.Role(this, 'JobRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'rung training job: reports measurements and reaches its own checkpoint through the rung API',
    });
    // No grant on the artifact bucket: a job reaches its own trial's checkpoint through URLs the
    // API signs for its job token (functions/api/checkpoint-route.ts), so one trial's code can read
    // or overwrite no other trial's checkpoint, nor another team's.

    const logGroup = new logs.LogGroup(this, 'JobLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const container = new batch.EcsEc2ContainerDefinition(this, 'GpuContainer', {
      // Built and pushed by `cdk deploy` only; `cdk synth` needs no Docker.
      image: ecs.ContainerImage.fromAsset(fromRoot('jobs'), { platform: Platform.LINUX_AMD64 }),
      gpu: 1,
      cpu: 4,
      memory: Size.gibibytes(14),
      command: DEFAULT_JOB_COMMAND,
      environment: {
        PYTHONUNBUFFERED: '1',
        AWS_REGION: Stack.of(this).region,
        AWS_DEFAULT_REGION: Stack.of(this).region,
      },
      jobRole: this.jobRole,
      // PyTorch DataLoader workers share tensors through /dev/shm (64 MiB by default); an init
      // process forwards SIGTERM so that a job can checkpoint before a Spot reclaim.
      linuxParameters: new batch.LinuxParameters(this, 'GpuLinuxParameters', {
        sharedMemorySize: Size.gibibytes(4),
        initProcessEnabled: true,
      }),
      logging: ecs.LogDriver.awsLogs({ streamPrefix: 'trial', logGroup }),
    });

    Validations.of(container.executionRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ecr:GetAuthorizationToken supports no resource-level permissions; the image pull actions of this execution role are scoped to the asset repository.',
    });

    this.jobDefinition = new batch.EcsJobDefinition(this, 'GpuJob', {
      container,
      propagateTags: true,
      timeout: JOB_TIMEOUT,
      retryAttempts: 3,
      retryStrategies: RETRY_RULES.map((rule) =>
        batch.RetryStrategy.of(rule.Action === 'RETRY' ? batch.Action.RETRY : batch.Action.EXIT, batch.Reason.custom(reasonOf(rule))),
      ),
    });
  }
}
