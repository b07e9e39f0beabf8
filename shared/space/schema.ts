import { z } from 'zod';

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

export const paramSchema = z.discriminatedUnion('type', [
  floatParamSchema,
  intParamSchema,
  categoricalParamSchema,
  ordinalParamSchema,
]);

export type ParamSpec = z.infer<typeof paramSchema>;
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
      if (p.type === 'float' || p.type === 'int') {
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

export type ParametersSpec = Record<string, ParamSpec>;

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
