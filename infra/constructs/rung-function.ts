import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { LAMBDA_BUNDLING } from '../bundling.js';
import { PROJECT_ROOT, fromRoot } from '../paths.js';

/** The newest Node.js runtime offered by aws-cdk-lib 2.276 (cdk-nag AwsSolutions-L1 wants the newest). */
export const RUNG_NODE_RUNTIME = lambda.Runtime.NODEJS_24_X;

export interface RungFunctionProps {
  /** Handler module, relative to the repository root (e.g. `functions/steps/plan.ts`); it exports `handler`. */
  readonly entry: string;
  /** Powertools service name (also the log and trace service name). */
  readonly serviceName: string;
  readonly description?: string;
  readonly environment?: Record<string, string>;
  /** @default 30 seconds */
  readonly timeout?: Duration;
  /** @default 512 MiB */
  readonly memorySize?: number;
  /** @default one month */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The one place where the repeated Lambda policy lives: newest Node.js runtime, ARM64,
 * JSON logs into a log group this construct owns (with retention), active X-Ray tracing,
 * Powertools environment, ESM bundle with source maps, and a role of its own that holds
 * no AWS-managed policy (log writes are granted on its own log group only).
 */
export class RungFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: RungFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the rung ${props.serviceName} function`,
    });
    logGroup.grantWrite(role);

    super(scope, id, {
      entry: fromRoot(props.entry),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: fromRoot('package-lock.json'),
      runtime: RUNG_NODE_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      description: props.description,
      timeout: props.timeout ?? Duration.seconds(30),
      memorySize: props.memorySize ?? 512,
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: 'rung',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: LAMBDA_BUNDLING.target,
        minify: LAMBDA_BUNDLING.minify,
        keepNames: LAMBDA_BUNDLING.keepNames,
        sourceMap: LAMBDA_BUNDLING.sourceMap,
        sourceMapMode: SourceMapMode.DEFAULT,
        sourcesContent: false,
        externalModules: [...LAMBDA_BUNDLING.externalModules],
        banner: LAMBDA_BUNDLING.banner,
        tsconfig: fromRoot('tsconfig.json'),
      },
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Active tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permissions (resource "*").',
    });
  }
}
