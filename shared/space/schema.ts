import * as z from 'zod';
import { architectureProblems, architectureSchemas, isArchitecture, type ArchitectureParamSpec } from './architecture.js';
import {
  categoricalParamSchema,
  floatParamSchema,
  intParamSchema,
  ordinalParamSchema,
  paramNamePattern,
  type ParamSpec,
  type ParamValue,
} from './flat-parameters.js';

export type { ChoiceParamSpec, FlatParametersSpec, NumericParamSpec, ParamSpec, ParamValue, Params } from './flat-parameters.js';
export type { ArchitectureParamSpec } from './architecture.js';
export type { CellParamSpec } from './architectures/cell.js';
export type { CompoundScalingParamSpec } from './architectures/compound-scaling.js';
export type { DartsCellParamSpec } from './architectures/darts-cell.js';
export type { MacroParamSpec, MacroStageSpec } from './architectures/macro.js';

/**
 * A parameter as a spec declares it: flat (flat-parameters.ts) or an architecture parameter
 * (docs/spaces.md). Each architecture parameter expands into flat categorical / ordinal / numeric
 * dimensions named `<parameter>.<dimension>` that every sampler handles; a trial receives those
 * dimensions and the composed architecture under the parameter's own name. Each kind's schema and
 * the rules that need the whole parameter (paths through a cell, gamma >= 1, ...) live in its
 * module under architectures/.
 */
export const paramSchema = z.discriminatedUnion('type', [
  floatParamSchema,
  intParamSchema,
  categoricalParamSchema,
  ordinalParamSchema,
  ...architectureSchemas,
]);

export type DeclaredParamSpec = ParamSpec | ArchitectureParamSpec;

/**
 * Rules that involve more than one field or more than one parameter. Written as a zod
 * refinement so that every problem is reported with its path in one pass.
 */
export const parametersSchema = z
  .record(z.string().regex(paramNamePattern, 'must start with a letter or _ and use letters, digits, _ . -'), paramSchema)
  .superRefine((params, ctx) => {
    const names = Object.keys(params);
    if (names.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'must define at least one parameter', path: [] });
    }
    if (names.length > 200) {
      ctx.addIssue({ code: 'custom', message: 'at most 200 parameters', path: [] });
    }
    for (const [name, p] of Object.entries(params)) {
      if (isArchitecture(p)) {
        for (const issue of architectureProblems(name, p, params))
          ctx.addIssue({ code: 'custom', message: issue.message, path: [name, ...issue.path] });
      } else if (p.type === 'float' || p.type === 'int') {
        if (p.min > p.max) ctx.addIssue({ code: 'custom', message: `min (${p.min}) must not exceed max (${p.max})`, path: [name, 'min'] });
        if (p.scale === 'log' && p.min <= 0) ctx.addIssue({ code: 'custom', message: 'log scale needs min > 0', path: [name, 'min'] });
        if (p.step !== undefined && p.scale === 'log')
          ctx.addIssue({ code: 'custom', message: 'step cannot be combined with log scale', path: [name, 'step'] });
      } else {
        const seen = new Set(p.values.map((v) => JSON.stringify(v)));
        if (seen.size !== p.values.length) ctx.addIssue({ code: 'custom', message: 'values must be unique', path: [name, 'values'] });
        if (p.type === 'ordinal' && p.values.some((v, i) => i > 0 && v <= p.values[i - 1]))
          ctx.addIssue({ code: 'custom', message: 'ordinal values must be strictly increasing', path: [name, 'values'] });
      }
      for (const [parent, accepted] of Object.entries(p.when ?? {})) {
        const parentSpec = params[parent];
        if (!parentSpec) {
          ctx.addIssue({ code: 'custom', message: `condition on missing parameter "${parent}"`, path: [name, 'when', parent] });
          continue;
        }
        if (isArchitecture(parentSpec)) {
          ctx.addIssue({
            code: 'custom',
            message: `condition parent "${parent}" is an architecture parameter (${parentSpec.type}): conditions on architectures are not supported`,
            path: [name, 'when', parent],
          });
          continue;
        }
        if (parentSpec.type !== 'categorical' && parentSpec.type !== 'ordinal') {
          ctx.addIssue({
            code: 'custom',
            message: `condition parent "${parent}" must be categorical or ordinal`,
            path: [name, 'when', parent],
          });
          continue;
        }
        for (const v of Array.isArray(accepted) ? accepted : [accepted]) {
          if (!(parentSpec.values as ParamValue[]).includes(v))
            ctx.addIssue({ code: 'custom', message: `${JSON.stringify(v)} is not a value of "${parent}"`, path: [name, 'when', parent] });
        }
      }
    }
    const cycle = findConditionCycle(params);
    if (cycle) ctx.addIssue({ code: 'custom', message: `conditions form a cycle: ${cycle.join(' -> ')}`, path: [cycle[0], 'when'] });
  });

/** Parameters as a spec declares them (architecture parameters not yet expanded). */
export type ParametersSpec = Record<string, DeclaredParamSpec>;

/** Depth-first search over `when` edges; returns the first cycle found as a list of names. */
export function findConditionCycle(params: ParametersSpec): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done' || !params[name]) return undefined;
    if (state.get(name) === 'open') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'open');
    stack.push(name);
    for (const parent of Object.keys(params[name].when ?? {})) {
      const found = visit(parent);
      if (found) return found;
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const name of Object.keys(params)) {
    const found = visit(name);
    if (found) return found;
  }
  return undefined;
}
