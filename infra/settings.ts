import { Construct } from 'constructs';

/** Deployment settings read from CDK context (cdk.json, or `cdk synth -c key=value`). */
export interface RungSettings {
  /** `rung:gpuInstanceTypes`: EC2 instance types the Batch compute environments may launch. */
  readonly gpuInstanceTypes: string[];
  /** `rung:maxvCpus`: upper bound of each compute environment (the Spot one and the on-demand one). */
  readonly maxvCpus: number;
  /**
   * `rung:spotCapacityWaitMinutes`: how long a job may wait RUNNABLE on the Spot queue for
   * capacity (10 to 1440, Batch's bounds) before Batch cancels it and the workflow runs it on the
   * on-demand queue instead.
   */
  readonly spotCapacityWaitMinutes: number;
  /**
   * `rung:dataBuckets`: S3 locations (`bucket` or `bucket/prefix`) the training jobs may read, for
   * their datasets (a study's `trial.environment.DATA_URI: s3://...`). Read-only; none by default.
   */
  readonly dataBuckets: string[];
  /** `rung:privateSubnets`: private subnets behind one NAT gateway (costs money while idle) instead of public subnets only. */
  readonly privateSubnets: boolean;
  /**
   * `rung:auth`: how people authenticate to the API. `iam` (default): SigV4, the team is the IAM
   * role's name. `cognito`: a Cognito user pool's JWT (a CognitoUserPoolsAuthorizer on every person
   * route), the team is the user's `rung-team-<team>` group. Training jobs sign with IAM either way.
   */
  readonly auth: AuthMode;
  /** `rung:cognitoUserPoolArn`: with `auth: cognito`, an existing user pool to trust instead of creating one. */
  readonly cognitoUserPoolArn?: string;
  /**
   * `rung:apiExecutionLogs`: API Gateway execution logs need the region's account-level CloudWatch
   * role, which is one setting per account and region, shared by every REST API there. `off`
   * (default): access logs only, nothing account-wide is touched. `account`: the account already
   * has the role (set by you or another stack): execution logs at ERROR level. `create`: this
   * stack creates the role and points the account setting at it, overwriting whatever was there,
   * and the setting outlives the stack (CloudFormation retains it).
   */
  readonly apiExecutionLogs: ApiExecutionLogs;
}

export type ApiExecutionLogs = 'off' | 'account' | 'create';

export type AuthMode = 'iam' | 'cognito';

export const DEFAULT_SETTINGS: RungSettings = {
  gpuInstanceTypes: ['g5.xlarge', 'g6.xlarge'],
  maxvCpus: 64,
  spotCapacityWaitMinutes: 30,
  dataBuckets: [],
  privateSubnets: false,
  auth: 'iam',
  apiExecutionLogs: 'off',
};

export class RungSettingsError extends Error {
  override readonly name = 'RungSettingsError';
}

function parseList(key: string, value: unknown): string[] {
  let list: unknown = value;
  if (typeof value === 'string') {
    const text = value.trim();
    list = text.startsWith('[') ? JSON.parse(text) : text.split(',').map((s) => s.trim());
  }
  if (!Array.isArray(list) || list.length === 0 || !list.every((t) => typeof t === 'string' && /^[a-z0-9-]+\.[a-z0-9-]+$/.test(t))) {
    throw new RungSettingsError(
      `${key} must be a non-empty list of EC2 instance types such as ["g5.xlarge"], got ${JSON.stringify(value)}`,
    );
  }
  return list as string[];
}

function parsePositiveInt(key: string, value: unknown): number {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) {
    throw new RungSettingsError(`${key} must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return n;
}

function parseDataBuckets(value: unknown): string[] {
  const list =
    typeof value === 'string' ? (value.trim().startsWith('[') ? JSON.parse(value) : value.split(',').map((s) => s.trim())) : value;
  const location = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[A-Za-z0-9!_.*'()/-]*)?$/;
  if (!Array.isArray(list) || !list.every((b) => typeof b === 'string' && location.test(b)))
    throw new RungSettingsError(`rung:dataBuckets must be a list of S3 buckets or bucket/prefix, got ${JSON.stringify(value)}`);
  return (list as string[]).map((b) => b.replace(/\/+$/, ''));
}

function parseMinutes(key: string, value: unknown, min: number, max: number): number {
  const n = parsePositiveInt(key, value);
  if (n < min || n > max) throw new RungSettingsError(`${key} must be from ${min} to ${max} minutes, got ${n}`);
  return n;
}

function parseBoolean(key: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new RungSettingsError(`${key} must be true or false, got ${JSON.stringify(value)}`);
}

function parseAuth(value: unknown): AuthMode {
  if (value === 'iam' || value === 'cognito') return value;
  throw new RungSettingsError(`rung:auth must be iam or cognito, got ${JSON.stringify(value)}`);
}

function parseApiExecutionLogs(value: unknown): ApiExecutionLogs {
  if (value === 'off' || value === 'account' || value === 'create') return value;
  throw new RungSettingsError(`rung:apiExecutionLogs must be off, account or create, got ${JSON.stringify(value)}`);
}

function parseUserPoolArn(value: unknown): string {
  if (typeof value !== 'string' || !/^arn:aws[a-z-]*:cognito-idp:[a-z0-9-]+:\d{12}:userpool\/[\w-]+_[0-9a-zA-Z]+$/.test(value)) {
    throw new RungSettingsError(`rung:cognitoUserPoolArn must be a Cognito user pool ARN, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Reads and checks the `rung:*` context keys, falling back to {@link DEFAULT_SETTINGS}. */
export function readRungSettings(scope: Construct): RungSettings {
  const get = (key: string): unknown => scope.node.tryGetContext(key);
  const types = get('rung:gpuInstanceTypes');
  const maxvCpus = get('rung:maxvCpus');
  const privateSubnets = get('rung:privateSubnets');
  const spotWait = get('rung:spotCapacityWaitMinutes');
  const dataBuckets = get('rung:dataBuckets');
  const auth = get('rung:auth') === undefined ? DEFAULT_SETTINGS.auth : parseAuth(get('rung:auth'));
  const poolArn = get('rung:cognitoUserPoolArn');
  if (poolArn !== undefined && auth !== 'cognito') throw new RungSettingsError('rung:cognitoUserPoolArn needs rung:auth=cognito');
  return {
    gpuInstanceTypes: types === undefined ? DEFAULT_SETTINGS.gpuInstanceTypes : parseList('rung:gpuInstanceTypes', types),
    maxvCpus: maxvCpus === undefined ? DEFAULT_SETTINGS.maxvCpus : parsePositiveInt('rung:maxvCpus', maxvCpus),
    spotCapacityWaitMinutes:
      spotWait === undefined ? DEFAULT_SETTINGS.spotCapacityWaitMinutes : parseMinutes('rung:spotCapacityWaitMinutes', spotWait, 10, 1440),
    dataBuckets: dataBuckets === undefined || dataBuckets === '' ? DEFAULT_SETTINGS.dataBuckets : parseDataBuckets(dataBuckets),
    privateSubnets: privateSubnets === undefined ? DEFAULT_SETTINGS.privateSubnets : parseBoolean('rung:privateSubnets', privateSubnets),
    auth,
    apiExecutionLogs:
      get('rung:apiExecutionLogs') === undefined ? DEFAULT_SETTINGS.apiExecutionLogs : parseApiExecutionLogs(get('rung:apiExecutionLogs')),
    ...(poolArn !== undefined ? { cognitoUserPoolArn: parseUserPoolArn(poolArn) } : {}),
  };
}
