import { Construct } from 'constructs';

/** Deployment settings read from CDK context (cdk.json, or `cdk synth -c key=value`). */
export interface RungSettings {
  /** `rung:gpuInstanceTypes`: EC2 instance types the Batch compute environments may launch. */
  readonly gpuInstanceTypes: string[];
  /** `rung:maxvCpus`: upper bound of each compute environment (the Spot one and the on-demand one). */
  readonly maxvCpus: number;
  /** `rung:privateSubnets`: private subnets behind one NAT gateway (costs money while idle) instead of public subnets only. */
  readonly privateSubnets: boolean;
}

export const DEFAULT_SETTINGS: RungSettings = {
  gpuInstanceTypes: ['g5.xlarge', 'g6.xlarge'],
  maxvCpus: 64,
  privateSubnets: false,
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
    throw new RungSettingsError(`${key} must be a non-empty list of EC2 instance types such as ["g5.xlarge"], got ${JSON.stringify(value)}`);
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

function parseBoolean(key: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new RungSettingsError(`${key} must be true or false, got ${JSON.stringify(value)}`);
}

/** Reads and checks the `rung:*` context keys, falling back to {@link DEFAULT_SETTINGS}. */
export function readRungSettings(scope: Construct): RungSettings {
  const get = (key: string): unknown => scope.node.tryGetContext(key);
  const types = get('rung:gpuInstanceTypes');
  const maxvCpus = get('rung:maxvCpus');
  const privateSubnets = get('rung:privateSubnets');
  return {
    gpuInstanceTypes: types === undefined ? DEFAULT_SETTINGS.gpuInstanceTypes : parseList('rung:gpuInstanceTypes', types),
    maxvCpus: maxvCpus === undefined ? DEFAULT_SETTINGS.maxvCpus : parsePositiveInt('rung:maxvCpus', maxvCpus),
    privateSubnets: privateSubnets === undefined ? DEFAULT_SETTINGS.privateSubnets : parseBoolean('rung:privateSubnets', privateSubnets),
  };
}
