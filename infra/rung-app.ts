import { readFileSync } from 'node:fs';
import { App, type Environment } from 'aws-cdk-lib';
import { fromRoot } from './paths.js';
import { RungStack } from './stacks/rung-stack.js';

/** Name of the one stack. */
export const STACK_NAME = 'Rung';

/**
 * Environment used when the CLI does not know the account (offline synth, tests, the
 * embedded runtime): cdk.json carries its availability zones, so the VPC needs no lookup.
 */
export const PLACEHOLDER_ENV = { account: '123456789012', region: 'us-east-1' } as const satisfies Environment;

export interface CreateRungAppOptions {
  /**
   * Bundle the Lambda handlers with esbuild. `false` sets the context
   * `aws:cdk:bundling-stacks` to `[]`, so that NodejsFunction skips esbuild: use it when only
   * the template is needed (tests, runtime/definitions.ts).
   * @default true (the CLI decides, as for any CDK app)
   */
  readonly bundling?: boolean;
  /** Extra context (e.g. `rung:gpuInstanceTypes`); wins over cdk.json and the CLI. */
  readonly context?: Record<string, unknown>;
  /**
   * Run CDK's built-in CloudFormation template validation at synth (a WebAssembly rule engine:
   * about 5 of the 7 seconds of an in-process synth on a 2-core machine).
   * @default true, false when `bundling` is false (the fast template-only path)
   */
  readonly cloudFormationValidation?: boolean;
  /** Cloud assembly directory. @default the CLI's, or a fresh temporary directory */
  readonly outdir?: string;
}

/** The `context` block of cdk.json, so that an in-process app sees what `cdk synth` sees. */
export function readCdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(fromRoot('cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

/** The account and region the CLI resolved from credentials, or {@link PLACEHOLDER_ENV} without them. */
export function resolveEnvironment(): Environment {
  const account = process.env.CDK_DEFAULT_ACCOUNT;
  if (!account) return { ...PLACEHOLDER_ENV };
  return { account, region: process.env.CDK_DEFAULT_REGION ?? PLACEHOLDER_ENV.region };
}

/** Builds the rung CDK app and its stack in process. */
export function createRungApp(options: CreateRungAppOptions = {}): { app: App; stack: RungStack } {
  const finalContext: Record<string, unknown> = { ...options.context };
  if (options.bundling === false) finalContext['aws:cdk:bundling-stacks'] = [];
  const app = new App({
    context: readCdkJsonContext(),
    postCliContext: finalContext,
    outdir: options.outdir,
    builtinCloudFormationValidation: options.cloudFormationValidation ?? options.bundling !== false,
  });
  const stack = new RungStack(app, STACK_NAME, { env: resolveEnvironment() });
  return { app, stack };
}
