import * as z from 'zod';
import { whenSchema, type ParamValue } from '../flat-parameters.js';
import type { ArchitectureIssue, ArchitectureKind, ParsedArchitecture } from './kind.js';
import { failure, isRecord, parseJson } from './user-input.js';

const coefficient = z.strictObject({
  min: z.number().finite().min(1, 'must be at least 1'),
  max: z.number().finite().min(1, 'must be at least 1'),
});
/** EfficientNet compound scaling: depth alpha, width beta, resolution gamma with alpha*beta^2*gamma^2 = target. */
export const compoundScalingParamSchema = z.strictObject({
  type: z.literal('compound_scaling'),
  alpha: coefficient,
  beta: coefficient,
  target: z.number().finite().min(1, 'must be at least 1').default(2),
  when: whenSchema,
});
export type CompoundScalingParamSpec = z.infer<typeof compoundScalingParamSchema>;

export interface CompoundValue {
  kind: 'compound_scaling';
  alpha: number;
  beta: number;
  gamma: number;
}

/**
 * How far alpha * beta^2 * gamma^2 may be from the target, relatively, for a given gamma: published
 * coefficients are rounded to a few decimals, yet EfficientNet's 1.2, 1.1, 1.15 (1.92 for 2) is off.
 */
export const compoundTolerance = 1e-3;

/** The searched ranges of alpha and beta. */
function compoundRanges(spec: CompoundScalingParamSpec): Record<'alpha' | 'beta', { min: number; max: number }> {
  // alpha's upper bound leaves room for gamma >= 1 at the smallest beta (the rest is repaired).
  return {
    alpha: { min: spec.alpha.min, max: Math.max(spec.alpha.min, Math.min(spec.alpha.max, spec.target / spec.beta.min ** 2)) },
    beta: { min: spec.beta.min, max: spec.beta.max },
  };
}

/** `{"alpha":..,"beta":..,"gamma":..}`; gamma may be left out (it is derived from the target). */
function parseCompound(spec: CompoundScalingParamSpec, text: string): ParsedArchitecture<CompoundValue> {
  const fail = failure('a compound scaling object');
  const json = parseJson(text);
  const given = json.ok ? json.data : undefined;
  if (!isRecord(given)) return fail('expected a JSON object like {"alpha":1.2,"beta":1.1,"gamma":1.15} (gamma may be left out)');
  const unknown = Object.keys(given).filter((k) => !['alpha', 'beta', 'gamma'].includes(k));
  if (unknown.length > 0) return fail(`unknown field(s) ${unknown.join(', ')} (the fields are alpha, beta, gamma)`);
  const ranges = compoundRanges(spec);
  for (const k of ['alpha', 'beta'] as const) {
    const v = given[k];
    if (typeof v !== 'number' || !(v >= ranges[k].min && v <= ranges[k].max))
      return fail(`${k} ${JSON.stringify(v)} is not a number in [${ranges[k].min}, ${ranges[k].max}]`);
  }
  const [alpha, beta] = [given.alpha as number, given.beta as number];
  const gamma = Math.sqrt(spec.target / (alpha * beta * beta));
  if (given.gamma !== undefined) {
    const g = given.gamma;
    if (typeof g !== 'number' || !Number.isFinite(g)) return fail(`gamma ${JSON.stringify(g)} is not a number`);
    const product = alpha * beta ** 2 * g ** 2;
    if (Math.abs(product - spec.target) > compoundTolerance * spec.target)
      return fail(
        `gamma ${g} is off the constraint alpha * beta^2 * gamma^2 = ${spec.target} (it gives ${+product.toPrecision(6)}); gamma would be ${+gamma.toPrecision(6)}, or leave it out`,
      );
  }
  return { ok: true, value: { kind: 'compound_scaling', alpha, beta, gamma } };
}

function compoundProblems(spec: CompoundScalingParamSpec): ArchitectureIssue[] {
  const issues: ArchitectureIssue[] = [];
  for (const k of ['alpha', 'beta'] as const)
    if (spec[k].min > spec[k].max) issues.push({ path: [k, 'min'], message: `min (${spec[k].min}) must not exceed max (${spec[k].max})` });
  const least = spec.alpha.min * spec.beta.min ** 2;
  if (least > spec.target)
    issues.push({
      path: ['target'],
      message: `gamma < 1 is forced: alpha.min * beta.min^2 = ${least} already exceeds target ${spec.target} (alpha * beta^2 * gamma^2 = target)`,
    });
  return issues;
}

/**
 * EfficientNet compound scaling: two float dimensions, alpha and beta; gamma follows from the
 * target. Composed as `{"alpha":..,"beta":..,"gamma":..}`.
 */
export const compoundScaling: ArchitectureKind<typeof compoundScalingParamSchema, CompoundValue> = {
  type: 'compound_scaling',
  schema: compoundScalingParamSchema,

  expand(name, spec) {
    const { alpha, beta } = compoundRanges(spec);
    return {
      [`${name}.alpha`]: { type: 'float', ...alpha, scale: 'linear' },
      [`${name}.beta`]: { type: 'float', ...beta, scale: 'linear' },
    };
  },

  expandable: () => true,

  read(name, spec, params) {
    const get = (dim: string): ParamValue | undefined => params[dim];
    const alpha = get(`${name}.alpha`);
    const beta = get(`${name}.beta`);
    if (typeof alpha !== 'number' || typeof beta !== 'number') return undefined;
    return { kind: 'compound_scaling', alpha, beta, gamma: Math.sqrt(spec.target / (alpha * beta * beta)) };
  },

  compose: (value) => JSON.stringify({ alpha: value.alpha, beta: value.beta, gamma: value.gamma }),

  parse: parseCompound,

  dimensions: (name, _spec, value) => ({ [`${name}.alpha`]: value.alpha, [`${name}.beta`]: value.beta }),

  defect(spec, value) {
    const product = value.alpha * value.beta ** 2;
    return product > spec.target * (1 + 1e-9) ? `alpha * beta^2 (${product}) exceeds target ${spec.target}, so gamma < 1` : undefined;
  },

  /** beta is lowered to sqrt(target / alpha), so that gamma = 1. */
  repair(name, spec, value, params) {
    params[`${name}.beta`] = Math.max(spec.beta.min, Math.min(value.beta, Math.sqrt(spec.target / value.alpha)));
  },

  problems: compoundProblems,
};
