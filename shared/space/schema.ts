import * as z from 'zod';
import { architectureProblems, isArchitecture } from './architecture.js';

/** A parameter value as a trial receives it. */
export type ParamValue = number | string | boolean;
export type Params = Record<string, ParamValue>;

export const paramNamePattern = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

const choice = z.union([z.string().max(256), z.number().finite(), z.boolean()]);

/**
 * `when: { optimizer: sgd }` or `when: { optimizer: [sgd, nesterov] }`: the parameter exists only
 * while every named parent has one of the listed values (Katib/W&B-style conditional spaces).
 */
const when = z
  .record(z.string().regex(paramNamePattern, 'must be a parameter name'), z.union([choice, z.array(choice).min(1)]))
  .optional();

const numeric = {
  min: z.number().finite(),
  max: z.number().finite(),
  scale: z.enum(['linear', 'log']).default('linear'),
  when,
};

export const floatParamSchema = z.strictObject({
  type: z.literal('float'),
  ...numeric,
  /** Optional quantization step (values are min + k * step). */
  step: z.number().finite().positive().optional(),
});

export const intParamSchema = z.strictObject({
  type: z.literal('int'),
  ...numeric,
  min: z.number().int('must be an integer'),
  max: z.number().int('must be an integer'),
  step: z.number().int('must be an integer').positive().optional(),
});

export const categoricalParamSchema = z.strictObject({
  type: z.literal('categorical'),
  values: z.array(choice).min(1, 'must list at least one value').max(1000),
  when,
});

/** Ordered numeric choices (e.g. batch sizes 32, 64, 128): samplers may use the order. */
export const ordinalParamSchema = z.strictObject({
  type: z.literal('ordinal'),
  values: z.array(z.number().finite()).min(1, 'must list at least one value').max(1000),
  when,
});

/**
 * Architecture parameters (docs/spaces.md). Each one expands into flat categorical / ordinal /
 * numeric dimensions named `<parameter>.<dimension>` that every sampler handles; a trial receives
 * those dimensions and the composed architecture under the parameter's own name. The rules that
 * need the whole parameter (paths through a cell, gamma >= 1, ...) live in architecture.ts.
 */
const opName = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/, 'must be an operation name (letters, digits, _ . -; no | ~ + or spaces)');
const ops = z.array(opName).min(1, 'must list at least one operation').max(64);
const nodeIndex = z.number().int('must be an integer');

/** NAS-Bench-201-style cell: node 0 is the input, the last node the output, one operation per edge. */
export const cellParamSchema = z.strictObject({
  type: z.literal('cell'),
  nodes: z.number().int('must be an integer').min(2, 'a cell needs at least an input and an output node').max(10),
  ops,
  /** Edges [from, to] with from < to; every pair by default (a complete DAG). */
  edges: z.array(z.tuple([nodeIndex, nodeIndex])).min(1, 'must list at least one edge').max(45).optional(),
  when,
});

/** DARTS cell: two cell inputs, `nodes` intermediate nodes, each taking `inputs` distinct predecessors. */
export const dartsCellParamSchema = z.strictObject({
  type: z.literal('darts_cell'),
  nodes: z.number().int('must be an integer').min(1, 'a cell needs at least one intermediate node').max(10),
  ops,
  inputs: z.number().int('must be an integer').min(1, 'each node needs at least one input').default(2),
  when,
});

const positiveInt = z.number().int('must be an integer').positive('must be positive');
/** A stage field: one fixed value or a list of values to choose from. */
const oneOrMany = <T extends z.ZodType>(t: T) => z.union([t, z.array(t).min(1, 'must list at least one value').max(32)]);
export const macroStageSchema = z.strictObject({
  /** Blocks in the stage: a range or a list. */
  depth: z.union([z.strictObject({ min: positiveInt, max: positiveInt }), oneOrMany(positiveInt)]),
  /** Output channels. */
  width: oneOrMany(positiveInt),
  kernel: oneOrMany(positiveInt).default(3),
  /** Inverted-bottleneck expansion ratio (MBConv). */
  expansion: oneOrMany(z.number().finite().positive('must be positive')).default(1),
  /** Squeeze-and-excitation on or off. */
  se: oneOrMany(z.boolean()).default(false),
});

/** MnasNet/EfficientNet-style macro space: a chain of stages with per-stage choices. */
export const macroParamSchema = z.strictObject({
  type: z.literal('macro'),
  stages: z.array(macroStageSchema).min(1, 'must list at least one stage').max(12),
  when,
});

const coefficient = z.strictObject({ min: z.number().finite().min(1, 'must be at least 1'), max: z.number().finite().min(1, 'must be at least 1') });
/** EfficientNet compound scaling: depth alpha, width beta, resolution gamma with alpha*beta^2*gamma^2 = target. */
export const compoundScalingParamSchema = z.strictObject({
  type: z.literal('compound_scaling'),
  alpha: coefficient,
  beta: coefficient,
  target: z.number().finite().min(1, 'must be at least 1').default(2),
  when,
});

export const paramSchema = z.discriminatedUnion('type', [
  floatParamSchema,
  intParamSchema,
  categoricalParamSchema,
  ordinalParamSchema,
  cellParamSchema,
  dartsCellParamSchema,
  macroParamSchema,
  compoundScalingParamSchema,
]);

/** A flat parameter: what SearchSpace.spec returns and what samplers work on. */
export type ParamSpec = z.infer<typeof floatParamSchema> | z.infer<typeof intParamSchema> | ChoiceParamSpec;
export type CellParamSpec = z.infer<typeof cellParamSchema>;
export type DartsCellParamSpec = z.infer<typeof dartsCellParamSchema>;
export type MacroParamSpec = z.infer<typeof macroParamSchema>;
export type MacroStageSpec = z.infer<typeof macroStageSchema>;
export type CompoundScalingParamSpec = z.infer<typeof compoundScalingParamSchema>;
export type ArchitectureParamSpec = CellParamSpec | DartsCellParamSpec | MacroParamSpec | CompoundScalingParamSpec;
/** A parameter as a spec declares it: flat or architecture. */
export type DeclaredParamSpec = ParamSpec | ArchitectureParamSpec;
export type NumericParamSpec = z.infer<typeof floatParamSchema> | z.infer<typeof intParamSchema>;
export type ChoiceParamSpec = z.infer<typeof categoricalParamSchema> | z.infer<typeof ordinalParamSchema>;

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
        for (const issue of architectureProblems(name, p, params)) ctx.addIssue({ code: 'custom', message: issue.message, path: [name, ...issue.path] });
      } else if (p.type === 'float' || p.type === 'int') {
        if (p.min > p.max) ctx.addIssue({ code: 'custom', message: `min (${p.min}) must not exceed max (${p.max})`, path: [name, 'min'] });
        if (p.scale === 'log' && p.min <= 0) ctx.addIssue({ code: 'custom', message: 'log scale needs min > 0', path: [name, 'min'] });
        if (p.step !== undefined && p.scale === 'log') ctx.addIssue({ code: 'custom', message: 'step cannot be combined with log scale', path: [name, 'step'] });
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
          ctx.addIssue({ code: 'custom', message: `condition parent "${parent}" is an architecture parameter (${parentSpec.type}): conditions on architectures are not supported`, path: [name, 'when', parent] });
          continue;
        }
        if (parentSpec.type !== 'categorical' && parentSpec.type !== 'ordinal') {
          ctx.addIssue({ code: 'custom', message: `condition parent "${parent}" must be categorical or ordinal`, path: [name, 'when', parent] });
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
/** Parameters after expansion: flat only (SearchSpace.params). */
export type FlatParametersSpec = Record<string, ParamSpec>;

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
