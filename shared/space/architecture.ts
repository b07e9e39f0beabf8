import type { z } from 'zod';
import { cell } from './architectures/cell.js';
import { compoundScaling } from './architectures/compound-scaling.js';
import { dartsCell } from './architectures/darts-cell.js';
import type { ArchitectureIssue, ArchitectureKind, ArchitectureSchema, ParsedArchitecture } from './architectures/kind.js';
import { macro } from './architectures/macro.js';
import type { FlatParametersSpec, ParamSpec, ParamValue, Params } from './flat-parameters.js';

/**
 * Architecture parameters (cell, darts_cell, macro, compound_scaling), each kind one module under
 * architectures/ implementing `ArchitectureKind`, registered here by its `type`. The functions
 * below are what the rest of rung uses; each looks up the kind of the parameter it is given.
 */

/**
 * Every kind. Their order is that of schema.ts's discriminated union, and so of the OpenAPI
 * document. A new kind is one entry here (and one drawer in dashboard/architecture-graphs.ts).
 */
const kinds = [cell, dartsCell, macro, compoundScaling] as const;

type Kind = (typeof kinds)[number];
export type ArchitectureType = Kind['type'];
export type ArchitectureParamSpec = z.output<Kind['schema']>;
export type ArchitectureValue = Kind extends ArchitectureKind<ArchitectureSchema, infer V> ? V : never;
export type ArchitectureSpecOf<T extends ArchitectureType> = Extract<ArchitectureParamSpec, { type: T }>;
export type ArchitectureValueOf<T extends ArchitectureType> = Extract<ArchitectureValue, { kind: T }>;

export const architectureTypes: readonly ArchitectureType[] = kinds.map((k) => k.type);

/** The schemas of the kinds, in registry order (schema.ts puts them in its discriminated union). */
export const architectureSchemas: readonly Kind['schema'][] = kinds.map((k) => k.schema);

/**
 * A kind seen through its widest types. Sound for the callers below: each passes a kind only the
 * spec it was looked up by, and values read from that same spec.
 */
type AnyKind = ArchitectureKind<Kind['schema'], ArchitectureValue>;
const registry: ReadonlyMap<string, AnyKind> = new Map<string, AnyKind>(kinds.map((k) => [k.type, k]));

const kindOf = (type: ArchitectureType): AnyKind => registry.get(type)!;

export function isArchitecture(p: { type: string }): p is ArchitectureParamSpec {
  return registry.has(p.type);
}

/** Longest name an architecture parameter may have, so that its dimension names stay within 64 characters. */
export const maxArchitectureNameLength = 48;

/**
 * The flat dimensions of one architecture parameter, in a fixed order. Each inherits the
 * parameter's `when`, so a conditional architecture is active exactly when its parents allow.
 */
function expandArchitecture(name: string, spec: ArchitectureParamSpec): FlatParametersSpec {
  const when = spec.when ? { when: spec.when } : {};
  const out: FlatParametersSpec = {};
  for (const [dim, p] of Object.entries(kindOf(spec.type).expand(name, spec))) out[dim] = { ...p, ...when };
  return out;
}

export interface ExpandedSpace {
  /** Flat parameters, architecture parameters replaced in place by their dimensions. */
  params: FlatParametersSpec;
  /** Each architecture parameter with its dimension names. */
  architectures: { name: string; spec: ArchitectureParamSpec; dims: string[] }[];
}

/** `declared`: the parameters as a spec declares them (schema.ts's ParametersSpec). */
export function expandParameters(declared: Readonly<Record<string, ParamSpec | ArchitectureParamSpec>>): ExpandedSpace {
  const params: FlatParametersSpec = {};
  const architectures: ExpandedSpace['architectures'] = [];
  for (const [name, spec] of Object.entries(declared)) {
    if (!isArchitecture(spec)) {
      params[name] = spec;
      continue;
    }
    const dims = expandArchitecture(name, spec);
    Object.assign(params, dims);
    architectures.push({ name, spec, dims: Object.keys(dims) });
  }
  return { params, architectures };
}

/** The architecture held by the flat dimensions of `params`; undefined when one is missing. */
export function readArchitecture(name: string, spec: ArchitectureParamSpec, params: Params): ArchitectureValue | undefined {
  return kindOf(spec.type).read(name, spec, params);
}

/**
 * The value a job receives under the parameter's own name: a NAS-Bench-201 string for a cell
 * (`|conv3x3~0|+|skip~0|none~1|+...`), and JSON for the others: a DARTS cell as the `normal` list
 * of a DARTS Genotype (`[["sep_conv_3x3",0],["skip",1],...]`, node by node), a macro space as
 * its list of stages, compound scaling as `{"alpha":..,"beta":..,"gamma":..}`.
 */
export function composeArchitecture(value: ArchitectureValue): string {
  return kindOf(value.kind).compose(value);
}

/**
 * Reads a composed value (what `composeArchitecture` writes, or the same pasted from a paper or
 * another study) back into an architecture of `spec`, so that a configuration may give a known
 * good architecture by its composed value alone. It checks the form and that every choice is one
 * the space offers; whether the architecture is usable (a path from input to output, gamma >= 1)
 * is left to `architectureDefect`, as for dimensions given one by one.
 */
export function parseArchitecture(spec: ArchitectureParamSpec, composed: ParamValue): ParsedArchitecture<ArchitectureValue> {
  if (typeof composed !== 'string')
    return { ok: false, message: `must be a string, the composed architecture (got ${JSON.stringify(composed)})` };
  return kindOf(spec.type).parse(spec, composed);
}

/** The flat dimensions that hold `value` (the inverse of `readArchitecture`). */
export function architectureDimensions(name: string, spec: ArchitectureParamSpec, value: ArchitectureValue): Params {
  return kindOf(spec.type).dimensions(name, spec, value);
}

/** Why a composed architecture cannot be built, or undefined when it can. */
export function architectureDefect(spec: ArchitectureParamSpec, value: ArchitectureValue): string | undefined {
  return kindOf(spec.type).defect(spec, value);
}

/**
 * Makes the flat dimensions of an unusable architecture usable, in place, changing as little as
 * possible and deterministically (samplers that pick dimension by dimension, TPE, GP decoding,
 * Sobol, grid, cannot be asked to redraw; `SearchSpace.sample` redraws instead and repairs only as
 * a last resort). Each kind's `repair` says how.
 */
export function repairArchitecture(name: string, spec: ArchitectureParamSpec, params: Params): void {
  const kind = kindOf(spec.type);
  const value = kind.read(name, spec, params);
  if (value && kind.defect(spec, value)) kind.repair(name, spec, value, params);
}

/**
 * Problems of one architecture parameter that zod's field rules cannot see (called from
 * parametersSchema's refinement); paths are relative to it. `declared`: every parameter of the
 * spec, whose names its dimensions must not take.
 */
export function architectureProblems(
  name: string,
  spec: ArchitectureParamSpec,
  declared: Readonly<Record<string, unknown>>,
): ArchitectureIssue[] {
  const kind = kindOf(spec.type);
  const issues: ArchitectureIssue[] = [];
  if (name.length > maxArchitectureNameLength)
    issues.push({
      path: [],
      message: `an architecture parameter name has at most ${maxArchitectureNameLength} characters (its dimensions add a suffix)`,
    });
  issues.push(...kind.problems(spec));
  if (issues.length === 0 && kind.expandable(spec)) {
    for (const dim of Object.keys(kind.expand(name, spec)))
      if (dim in declared) issues.push({ path: [], message: `its dimension "${dim}" has the name of another parameter` });
  }
  return issues;
}
