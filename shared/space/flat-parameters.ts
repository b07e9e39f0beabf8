import * as z from 'zod';

/**
 * Flat parameters (float, int, categorical, ordinal): what samplers work on, and what every
 * architecture parameter expands into. Kept apart from schema.ts so that the architecture kinds
 * (shared/space/architectures/) can build on them while schema.ts builds on the kinds.
 */

/** A parameter value as a trial receives it. */
export type ParamValue = number | string | boolean;
export type Params = Record<string, ParamValue>;

export const paramNamePattern = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

const choice = z.union([z.string().max(256), z.number().finite(), z.boolean()]);

/**
 * `when: { optimizer: sgd }` or `when: { optimizer: [sgd, nesterov] }`: the parameter exists only
 * while every named parent has one of the listed values (Katib/W&B-style conditional spaces).
 */
export const whenSchema = z
  .record(z.string().regex(paramNamePattern, 'must be a parameter name'), z.union([choice, z.array(choice).min(1)]))
  .optional();

const numeric = {
  min: z.number().finite(),
  max: z.number().finite(),
  scale: z.enum(['linear', 'log']).default('linear'),
  when: whenSchema,
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
  when: whenSchema,
});

/** Ordered numeric choices (e.g. batch sizes 32, 64, 128): samplers may use the order. */
export const ordinalParamSchema = z.strictObject({
  type: z.literal('ordinal'),
  values: z.array(z.number().finite()).min(1, 'must list at least one value').max(1000),
  when: whenSchema,
});

/** A flat parameter: what SearchSpace.spec returns and what samplers work on. */
export type ParamSpec = z.infer<typeof floatParamSchema> | z.infer<typeof intParamSchema> | ChoiceParamSpec;
export type NumericParamSpec = z.infer<typeof floatParamSchema> | z.infer<typeof intParamSchema>;
export type ChoiceParamSpec = z.infer<typeof categoricalParamSchema> | z.infer<typeof ordinalParamSchema>;
/** Parameters after expansion: flat only (SearchSpace.params). */
export type FlatParametersSpec = Record<string, ParamSpec>;
