import type { Issue } from '../errors.js';
import type { ParamSpec, Params } from '../space/schema.js';
import { SearchSpace, isChoice } from '../space/space.js';
import type { StudySpec } from './spec.js';

/**
 * AWS Batch passes a job's container overrides to ECS, whose task overrides take at most 8192
 * bytes of JSON; a larger SubmitJob fails when the Task runs, long after the study was accepted.
 * The command, the study's environment and the trial's parameters all travel in them.
 */
export const maxContainerOverrideBytes = 8192;

/**
 * Room kept for the job contract's own variables besides RUNG_PARAMS and RUNG_ENV: ids (up to 128
 * characters each), the checkpoint URI, the API URL and a per-trial credential, with slack for
 * variables the contract may add.
 */
export const contractReserveBytes = 2048;

/** The longest JSON text of a number (e.g. -1.2345678901234567e-100). */
const numberBytes = 24;

/** The JSON of the overrides the TrainTrial state sends for a command and environment, as Batch receives them. */
export function containerOverrideBytes(command: readonly string[], environment: Record<string, string>): number {
  return JSON.stringify({
    Command: command,
    Environment: Object.entries(environment).map(([Name, Value]) => ({ Name, Value })),
    ResourceRequirements: [{ Type: 'GPU', Value: '16' }],
  }).length;
}

/**
 * The longest RUNG_PARAMS a trial can receive: every choice at its longest value, every number at
 * its longest text, architectures composed from those choices. Composed architectures are
 * measured on that one configuration, which is the longest for every kind rung has, since their
 * composed text grows with the length of the chosen operation names.
 */
export function worstCaseParamsBytes(spec: StudySpec): number {
  const space = new SearchSpace(spec.parameters);
  const longest = (s: ParamSpec) => {
    if (!isChoice(s)) return 0.5;
    const lengths = (s.values as unknown[]).map((v) => JSON.stringify(v).length);
    return lengths.indexOf(Math.max(...lengths));
  };
  const params: Params = space.build((_, s) => longest(s));
  // RUNG_PARAMS is JSON inside the overrides' JSON: its quotes are escaped once more.
  let bytes = JSON.stringify(JSON.stringify(params)).length;
  for (const value of Object.values(params)) if (typeof value === 'number') bytes += numberBytes - JSON.stringify(value).length;
  const fixed = spec.retrain?.parameters ? JSON.stringify(JSON.stringify(spec.retrain.parameters)).length : 0;
  return bytes + fixed;
}

/** The most bytes a study's job overrides can take, and what each part the study controls takes of it. */
export function worstCaseOverrides(spec: StudySpec): {
  total: number;
  parts: Record<'trial.command' | 'trial.environment' | 'parameters', number>;
} {
  const environment = { ...spec.trial.environment, ...spec.retrain?.environment };
  const commands = [spec.trial.command, ...(spec.retrain?.command ? [spec.retrain.command] : [])];
  const command = commands.reduce((a, b) => (JSON.stringify(b).length > JSON.stringify(a).length ? b : a));
  const params = worstCaseParamsBytes(spec);
  // The environment travels as RUNG_ENV (the image's entrypoint exports it): JSON inside the overrides' JSON.
  const environmentBytes = JSON.stringify(JSON.stringify(environment)).length;
  const total = containerOverrideBytes(command, {}) + environmentBytes + params + contractReserveBytes;
  const parts = { 'trial.command': JSON.stringify(command).length, 'trial.environment': environmentBytes, parameters: params };
  return { total, parts };
}

/** The worst case of a study's job overrides against Batch's limit, naming the field to shrink. */
export function overrideSizeIssues(spec: StudySpec): Issue[] {
  const { total, parts } = worstCaseOverrides(spec);
  if (total <= maxContainerOverrideBytes) return [];
  const [path] = Object.entries(parts).sort((a, b) => b[1] - a[1])[0]!;
  const sizes = Object.entries(parts)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return [
    {
      path,
      message: `a job's container overrides could reach ${total} bytes (${sizes}, and ${contractReserveBytes} for rung's own variables); AWS Batch takes at most ${maxContainerOverrideBytes}: shrink ${path}`,
    },
  ];
}
