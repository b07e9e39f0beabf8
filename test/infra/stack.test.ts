import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { RUNG_NODE_RUNTIME } from '../../infra/constructs/rung-function.js';
import { JOB_ENVIRONMENT, LOGICAL_IDS } from '../../infra/workflow-contract.js';
import { synthResources, synthRung, type Resources } from './synth.js';
import openapi from '../../docs/openapi.json' with { type: 'json' };

let template: Template;
let resources: Resources;
let ofType: ReturnType<typeof synthResources>['ofType'];

beforeAll(() => {
  // Prepare: one synth of the default app (cdk.json context) for the whole file.
  ({ template, resources, ofType } = synthResources());
});

describe('storage', () => {
  it('has one on-demand table with pk/sk keys, point-in-time recovery and encryption, retained on delete', () => {
    // Act
    const tables = ofType('AWS::DynamoDB::Table');

    // Assess
    expect(tables).toHaveLength(1);
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: Match.arrayWith([
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ]),
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        SSESpecification: { SSEEnabled: true },
      },
    });
  });

  it('blocks public access, encrypts, and logs access on every bucket; the artifact bucket has lifecycle rules', () => {
    // Act
    const buckets = ofType('AWS::S3::Bucket');

    // Assess
    expect(buckets).toHaveLength(2);
    for (const [, bucket] of buckets) {
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe(
        'AES256',
      );
      expect(bucket.DeletionPolicy).toBe('Retain');
    }
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'artifact-bucket/' },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' }),
          Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 7 }, Status: 'Enabled' }),
        ]),
      },
    });
  });

  it('denies every request that is not over TLS, on every bucket', () => {
    // Act
    const policies = ofType('AWS::S3::BucketPolicy');

    // Assess
    expect(policies).toHaveLength(2);
    for (const [, policy] of policies) {
      expect(policy.Properties.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Effect: 'Deny',
            Action: 's3:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      );
    }
  });
});

describe('network', () => {
  it('has public subnets only, no NAT gateway and no interface endpoint by default, and flow logs', () => {
    // Assess
    expect(ofType('AWS::EC2::NatGateway')).toHaveLength(0);
    expect(ofType('AWS::EC2::VPCEndpoint')).toHaveLength(0);
    expect(ofType('AWS::EC2::Subnet').every(([, s]) => s.Properties.MapPublicIpOnLaunch === true)).toBe(true);
    template.resourceCountIs('AWS::EC2::FlowLog', 1);
  });

  it('gives the Batch instances a security group without inbound rules', () => {
    // Act
    const [[, ce]] = ofType('AWS::Batch::ComputeEnvironment') as [[string, Resources[string]]];
    const sgRef = ce.Properties.ComputeResources.SecurityGroupIds[0]['Fn::GetAtt'][0] as string;

    // Assess
    expect(resources[sgRef]!.Properties.SecurityGroupIngress).toBeUndefined();
    expect(ofType('AWS::EC2::SecurityGroupIngress')).toHaveLength(0);
  });
});

describe('batch', () => {
  it('scales both GPU compute environments to zero: Spot (price-capacity-optimized) and on-demand', () => {
    // Act
    const environments = ofType('AWS::Batch::ComputeEnvironment').map(([, r]) => r.Properties.ComputeResources);
    const spot = environments.find((r: any) => r.Type === 'SPOT');
    const onDemand = environments.find((r: any) => r.Type === 'EC2');

    // Assess
    expect(environments).toHaveLength(2);
    expect(spot).toMatchObject({ AllocationStrategy: 'SPOT_PRICE_CAPACITY_OPTIMIZED', MinvCpus: 0, MaxvCpus: 64 });
    expect(onDemand).toMatchObject({ MinvCpus: 0, MaxvCpus: 64 });
    for (const resources of [spot, onDemand]) {
      expect(resources.InstanceTypes).toEqual(['g5.xlarge', 'g6.xlarge']);
      expect(resources.Ec2Configuration).toEqual([{ ImageType: 'ECS_AL2023_NVIDIA' }]);
    }
  });

  it('has a queue per purchase option: Spot with a bounded wait for capacity, and on-demand (`trial.spot: false`)', () => {
    // Act
    const environments = Object.fromEntries(ofType('AWS::Batch::ComputeEnvironment').map(([id, r]) => [id, r.Properties]));
    const typesOf = (queueId: string) =>
      [...resources[queueId]!.Properties.ComputeEnvironmentOrder]
        .sort((a: any, b: any) => a.Order - b.Order)
        .map((o: any) => environments[o.ComputeEnvironment['Fn::GetAtt'][0]].ComputeResources.Type);
    const capacityWait = (queueId: string, context: Record<string, string> = {}) =>
      (Object.keys(context).length > 0 ? synthRung(context).template.toJSON().Resources : resources)[
        queueId
      ].Properties.JobStateTimeLimitActions.find((a: any) => a.Reason === 'CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY');

    // Assess: Batch would not move a job to a second environment for lack of Spot capacity, so the Spot queue has none.
    expect(typesOf(LOGICAL_IDS.jobQueue)).toEqual(['SPOT']);
    expect(typesOf(LOGICAL_IDS.onDemandJobQueue)).toEqual(['EC2']);
    expect(capacityWait(LOGICAL_IDS.jobQueue)).toEqual({
      Action: 'CANCEL',
      MaxTimeSeconds: 1800,
      Reason: 'CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY',
      State: 'RUNNABLE',
    });
    expect(capacityWait(LOGICAL_IDS.onDemandJobQueue).MaxTimeSeconds).toBe(21_600);
    expect(capacityWait(LOGICAL_IDS.jobQueue, { 'rung:spotCapacityWaitMinutes': '12' }).MaxTimeSeconds).toBe(720);
    expect(() => synthRung({ 'rung:spotCapacityWaitMinutes': '5' })).toThrow(
      /rung:spotCapacityWaitMinutes must be from 10 to 1440 minutes, got 5/,
    );
  });

  it('takes GPU instance types, maxvCpus and private subnets from context', () => {
    // Prepare
    const context = { 'rung:gpuInstanceTypes': 'g6e.xlarge,p5.48xlarge', 'rung:maxvCpus': '16', 'rung:privateSubnets': 'true' };

    // Act
    const custom = synthRung(context).template;

    // Assess
    const environments = custom.findResources('AWS::Batch::ComputeEnvironment');
    for (const environment of Object.values(environments)) {
      expect(environment.Properties.ComputeResources).toMatchObject({
        InstanceTypes: ['g6e.xlarge', 'p5.48xlarge'],
        MaxvCpus: 16,
        MinvCpus: 0,
      });
    }
    custom.resourceCountIs('AWS::EC2::NatGateway', 1);
  });

  it('has a GPU job definition that retries only Spot reclaims, with a timeout', () => {
    // Act
    const jobDefinition = resources[LOGICAL_IDS.jobDefinition]!.Properties;

    // Assess
    expect(jobDefinition.ContainerProperties.ResourceRequirements).toEqual(expect.arrayContaining([{ Type: 'GPU', Value: '1' }]));
    expect(jobDefinition.RetryStrategy).toEqual({
      Attempts: 3,
      EvaluateOnExit: [
        { Action: 'RETRY', OnStatusReason: 'Host EC2*' },
        { Action: 'RETRY', OnExitCode: '143' },
        { Action: 'EXIT', OnExitCode: '*' },
        { Action: 'EXIT', OnReason: '*' },
      ],
    });
    expect(jobDefinition.Timeout.AttemptDurationSeconds).toBeGreaterThan(0);
    expect(jobDefinition.ContainerProperties.JobRoleArn).toBeDefined();
  });

  it('lets the job role invoke the two job routes of the API and reach no S3 object (checkpoints go through signed URLs)', () => {
    // Act
    const [[, policy]] = ofType('AWS::IAM::Policy').filter(([id]) => id.startsWith('TrainingJobRole')) as [[string, Resources[string]]];
    const statements = policy.Properties.PolicyDocument.Statement;
    const actions = statements.flatMap((s: any) => [s.Action].flat());
    const invoke = statements.filter((s: any) => s.Action === 'execute-api:Invoke');

    // Assess
    expect(invoke).toHaveLength(1);
    const routes = JSON.stringify(invoke[0].Resource);
    expect(routes).toContain('/v1/POST/studies/*/trials/*/measurements');
    expect(routes).toContain('/v1/POST/studies/*/trials/*/checkpoint-url');
    expect([...new Set(actions)]).toEqual(['execute-api:Invoke']);
  });

  it('lets the API function sign checkpoint URLs: GetObject and PutObject on the teams/ prefix only', () => {
    // Act
    const roleRef = resources.ApiFunction!.Properties.Role['Fn::GetAtt'][0];
    const statements = ofType('AWS::IAM::Policy')
      .filter(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === roleRef))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    const s3 = statements.filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('s3:')));

    // Assess
    const s3Actions = s3.flatMap((s: any) => [s.Action].flat());
    expect(s3Actions).toEqual(expect.arrayContaining(['s3:GetObject*', 's3:PutObject']));
    expect(s3Actions).not.toContain('s3:DeleteObject*');
    for (const statement of s3)
      for (const resource of [statement.Resource].flat())
        if (JSON.stringify(resource).includes('/')) expect(JSON.stringify(resource)).toContain('/teams/*');
  });
});

describe('state machines', () => {
  it('are STANDARD, log ALL events (without the payloads, which hold trial parameters) and trace with X-Ray', () => {
    // Act
    const machines = ofType('AWS::StepFunctions::StateMachine');

    // Assess
    expect(machines.map(([id]) => id).sort()).toEqual([LOGICAL_IDS.bracketMachine, LOGICAL_IDS.laneMachine, LOGICAL_IDS.studyMachine]);
    for (const [, machine] of machines) {
      expect(machine.Properties).toMatchObject({
        StateMachineType: 'STANDARD',
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false, Destinations: [expect.anything()] },
      });
    }
  });

  it('override Command and every contract variable of the job in TrainTrial', () => {
    // Act
    const definition = JSON.stringify(resources[LOGICAL_IDS.bracketMachine]!.Properties.DefinitionString);

    // Assess
    expect(definition).toContain(':states:::batch:submitJob.sync');
    expect(definition).toContain(String.raw`\"Command.$\":\"$.job.command\"`);
    for (const name of JOB_ENVIRONMENT) {
      expect(definition).toContain(String.raw`{\"Name\":\"${name}\",\"Value.$\":\"$.job.env.${name}\"}`);
    }
  });
});

describe('what Step Functions needs from Batch and after an execution', () => {
  /** Every statement of the policies attached to a state machine's role. */
  function statementsOf(machineId: string): any[] {
    const roleRef = resources[machineId]!.Properties.RoleArn['Fn::GetAtt'][0];
    return ofType('AWS::IAM::Policy')
      .filter(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === roleRef))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
  }

  it('lets BracketMachine and LaneMachine poll (DescribeJobs) and terminate (TerminateJob) the jobs that .sync submits', () => {
    for (const machine of [LOGICAL_IDS.bracketMachine, LOGICAL_IDS.laneMachine]) {
      // Act
      const statements = statementsOf(machine);

      // Assess: DescribeJobs has no resource-level permissions; TerminateJob is on jobs only.
      const actions = (s: any): string[] => [s.Action].flat();
      expect(statements.filter((s) => actions(s).includes('batch:DescribeJobs')).map((s) => s.Resource)).toEqual(['*']);
      expect(statements.filter((s) => actions(s).includes('batch:TerminateJob')).map((s) => s.Resource)).toEqual([
        expect.stringMatching(/^arn:aws:batch:[a-z0-9-]+:\d{12}:job\/\*$/),
      ]);
      // SubmitJob on both queues (one per purchase option) and the job definition, nothing else.
      const submitTo = statements.filter((s) => actions(s).includes('batch:SubmitJob')).flatMap((s) => [s.Resource].flat());
      const queueArn = (id: string) => ({ 'Fn::GetAtt': [id, 'JobQueueArn'] });
      expect(submitTo).toHaveLength(3);
      expect(submitTo).toEqual(
        expect.arrayContaining([
          queueArn(LOGICAL_IDS.jobQueue),
          queueArn(LOGICAL_IDS.onDemandJobQueue),
          expect.stringMatching(/^arn:aws:batch:[a-z0-9-]+:\d{12}:job-definition\/\*$/),
        ]),
      );
    }
    // The StudyMachine submits no job.
    expect(statementsOf(LOGICAL_IDS.studyMachine).flatMap((s) => [s.Action].flat())).not.toContain('batch:DescribeJobs');
  });

  it('sends every StudyMachine execution that ends FAILED, TIMED_OUT or ABORTED to the executionEnded function', () => {
    // Act
    const rules = ofType('AWS::Events::Rule');

    // Assess
    expect(rules).toHaveLength(1);
    const [, rule] = rules[0]!;
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [{ Ref: LOGICAL_IDS.studyMachine }] },
    });
    expect(rule.Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': ['ExecutionEndedFunction', 'Arn'] },
        RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 },
      }),
    ]);
    const fn = resources.ExecutionEndedFunction!;
    expect(fn.Properties.Environment.Variables).toHaveProperty('TABLE_NAME');
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': ['ExecutionEndedFunction', 'Arn'] },
      Principal: 'events.amazonaws.com',
    });
  });
});

describe('api', () => {
  it('requires IAM authorization and request validation on every method', () => {
    // Act
    const methods = ofType('AWS::ApiGateway::Method');
    const [[validatorId, validator]] = ofType('AWS::ApiGateway::RequestValidator') as [[string, Resources[string]]];

    // Assess
    // 16 API routes and the dashboard's 2 (test/infra/dashboard-site.test.ts).
    expect(methods).toHaveLength(18);
    expect(validator.Properties).toMatchObject({ ValidateRequestBody: true, ValidateRequestParameters: true });
    for (const [, method] of methods) {
      expect(method.Properties.AuthorizationType).toBe('AWS_IAM');
      expect(method.Properties.RequestValidatorId).toEqual({ Ref: validatorId });
      expect(method.Properties.Integration).toMatchObject({ Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' });
    }
  });

  it('has every route the API serves, as docs/openapi.json lists them (a route missing here would not exist on AWS)', () => {
    // Act
    const paths = new Map<string, string>(); // logical id -> full path
    const pathOf = (id: string): string => {
      const cached = paths.get(id);
      if (cached) return cached;
      const { ParentId, PathPart } = resources[id]!.Properties;
      const parent = ParentId['Fn::GetAtt'] ? '' : pathOf(ParentId.Ref);
      const full = `${parent}/${PathPart}`;
      paths.set(id, full);
      return full;
    };
    // The dashboard's static files are not part of the JSON API that docs/openapi.json describes
    // (docs/dashboard.md); test/infra/dashboard-site.test.ts checks those two routes.
    const dashboardRoutes = ['GET /dashboard', 'GET /dashboard/{proxy+}'];
    const routes = ofType('AWS::ApiGateway::Method')
      .map(([, m]) => `${m.Properties.HttpMethod} ${pathOf(m.Properties.ResourceId.Ref)}`)
      .filter((route) => !dashboardRoutes.includes(route))
      .sort();

    const documented = Object.entries(openapi.paths).flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((k) => ['get', 'post', 'patch', 'put', 'delete'].includes(k))
        .map((k) => `${k.toUpperCase()} ${path}`),
    );

    // Assess
    expect(routes).toEqual(documented.sort());
    expect(routes).toContain('POST /studies/{studyId}/trials/{trialId}/measurements');
  });

  it('deploys stage v1 with access logs and tracing (execution logs: test/infra/api-logging.test.ts)', () => {
    // Assess
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'v1',
      TracingEnabled: true,
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.anyValue() },
    });
  });
});

describe('lambda', () => {
  it('runs every function on the newest Node.js runtime that aws-cdk-lib offers', () => {
    // Prepare
    const newest = Object.keys(lambda.Runtime)
      .map((key) => /^NODEJS_(\d+)_X$/.exec(key))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => b - a)[0];

    // Act
    const runtimes = ofType('AWS::Lambda::Function').map(([, f]) => f.Properties.Runtime as string);

    // Assess
    expect(RUNG_NODE_RUNTIME.name).toBe(`nodejs${newest}.x`);
    expect(new Set(runtimes)).toEqual(new Set([RUNG_NODE_RUNTIME.name]));
  });

  it('gives the handlers ARM64, active tracing, JSON logs and their environment', () => {
    // Act
    const handlers = Object.fromEntries(
      ofType('AWS::Lambda::Function').filter(([id]) => /^(Api|Plan|Suggest|StartTrial|Observe|Promote|Finalize)Function$/.test(id)),
    );

    // Assess
    expect(Object.keys(handlers).sort()).toEqual([
      'ApiFunction',
      'FinalizeFunction',
      'ObserveFunction',
      'PlanFunction',
      'PromoteFunction',
      'StartTrialFunction',
      'SuggestFunction',
    ]);
    for (const fn of Object.values(handlers)) {
      expect(fn.Properties).toMatchObject({
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogFormat: 'JSON' },
        Environment: { Variables: expect.objectContaining({ TABLE_NAME: expect.anything(), ARTIFACT_BASE_URI: expect.anything() }) },
      });
    }
    expect(handlers.ApiFunction!.Properties.Environment.Variables).toMatchObject({
      STUDY_MACHINE_ARN: { Ref: LOGICAL_IDS.studyMachine },
      JOB_ROLE_ARN: expect.anything(),
    });
  });
});

describe('outputs', () => {
  it('exports the API URL, table, bucket, study machine and job queue', () => {
    // Assess
    // (RestApi adds its own Endpoint output: the stage URL, ending in /v1/.)
    expect(Object.keys(template.toJSON().Outputs)).toEqual(
      expect.arrayContaining(['ApiUrl', 'BucketName', 'JobQueueArn', 'StudyMachineArn', 'TableName']),
    );
  });
});
