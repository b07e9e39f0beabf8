import * as z from 'zod';
import { whenSchema, type FlatParametersSpec, type ParamSpec, type ParamValue, type Params } from '../flat-parameters.js';
import type { ArchitectureIssue, ArchitectureKind, ParsedArchitecture } from './kind.js';
import { duplicates, failure, isRecord, parseJson } from './user-input.js';

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
  when: whenSchema,
});
export type MacroParamSpec = z.infer<typeof macroParamSchema>;
export type MacroStageSpec = z.infer<typeof macroStageSchema>;

export interface MacroStageValue {
  depth: number;
  width: number;
  kernel: number;
  expansion: number;
  se: boolean;
}
export interface MacroValue {
  kind: 'macro';
  stages: MacroStageValue[];
}

const macroFields = ['depth', 'width', 'kernel', 'expansion', 'se'] as const;
type MacroField = (typeof macroFields)[number];

export const macroDim = (name: string, stage: number, field: MacroField): string => `${name}.s${stage}.${field}`;

/** The flat dimension that stands for one macro stage field. */
function macroFieldDim(field: MacroField, value: MacroStageSpec[MacroField]): ParamSpec {
  if (field === 'se') {
    const values = Array.isArray(value) ? (value as boolean[]) : [value as boolean];
    return { type: 'categorical', values };
  }
  if (typeof value === 'object' && !Array.isArray(value)) {
    const r = value as { min: number; max: number };
    return { type: 'int', min: r.min, max: r.max, scale: 'linear' };
  }
  // Numeric choices are ordered, so that samplers may use their order (a wider or deeper stage).
  const values = (Array.isArray(value) ? [...(value as number[])] : [value as number]).sort((a, b) => a - b);
  return { type: 'ordinal', values };
}

function fits(dim: ParamSpec, v: unknown): boolean {
  if (dim.type === 'categorical' || dim.type === 'ordinal') return (dim.values as unknown[]).includes(v);
  return typeof v === 'number' && v >= dim.min && v <= dim.max && (dim.type !== 'int' || Number.isInteger(v));
}

const describeDim = (dim: ParamSpec): string =>
  dim.type === 'categorical' || dim.type === 'ordinal'
    ? `one of ${JSON.stringify(dim.values)}`
    : `${dim.type === 'int' ? 'an integer' : 'a number'} in [${dim.min}, ${dim.max}]`;

const isChoiceDim = (dim: ParamSpec): dim is Extract<ParamSpec, { values: unknown }> =>
  dim.type === 'categorical' || dim.type === 'ordinal';

/** A JSON list of stages `{depth, width, kernel, expansion, se}`. */
function parseMacro(spec: MacroParamSpec, text: string): ParsedArchitecture<MacroValue> {
  const fail = failure('a macro stage list');
  const json = parseJson(text);
  const list = json.ok ? json.data : undefined;
  if (!Array.isArray(list))
    return fail('expected a JSON list of stages like [{"depth":2,"width":24,"kernel":5,"expansion":6,"se":true},...]');
  if (list.length !== spec.stages.length) return fail(`it has ${list.length} stage(s); the space has ${spec.stages.length}`);
  const stages: MacroStageValue[] = [];
  for (const [s, given] of list.entries()) {
    if (!isRecord(given)) return fail(`stage ${s} must be an object {depth, width, kernel, expansion, se}`);
    const unknown = Object.keys(given).filter((f) => !(macroFields as readonly string[]).includes(f));
    if (unknown.length > 0) return fail(`stage ${s} has unknown field(s) ${unknown.join(', ')} (the fields are ${macroFields.join(', ')})`);
    const stage: Record<string, unknown> = {};
    for (const f of macroFields) {
      const dim = macroFieldDim(f, spec.stages[s][f]);
      const only = isChoiceDim(dim) ? (dim.values.length === 1 ? dim.values[0] : undefined) : dim.min === dim.max ? dim.min : undefined;
      // A field the stage fixes has nothing to choose, so it may be left out (stage tables often omit SE).
      const v = given[f] ?? only;
      if (v === undefined) return fail(`stage ${s} has no ${f} (${describeDim(dim)})`);
      if (!fits(dim, v)) return fail(`stage ${s}: ${f} ${JSON.stringify(v)} is not ${describeDim(dim)}`);
      stage[f] = v;
    }
    stages.push(stage as unknown as MacroStageValue);
  }
  return { ok: true, value: { kind: 'macro', stages } };
}

function macroProblems(spec: MacroParamSpec): ArchitectureIssue[] {
  const issues: ArchitectureIssue[] = [];
  spec.stages.forEach((stage, s) => {
    const depth = stage.depth;
    if (typeof depth === 'object' && !Array.isArray(depth) && depth.min > depth.max)
      issues.push({ path: ['stages', s, 'depth', 'min'], message: `min (${depth.min}) must not exceed max (${depth.max})` });
    for (const f of macroFields) {
      const v = stage[f];
      if (Array.isArray(v) && duplicates(v as unknown[]).length) issues.push({ path: ['stages', s, f], message: 'values must be unique' });
    }
  });
  return issues;
}

/**
 * A macro space: one dimension per stage field (depth, width, kernel, expansion, se); composed as
 * the JSON list of its stages. Every composition is usable: a chain of stages always connects.
 */
export const macro: ArchitectureKind<typeof macroParamSchema, MacroValue> = {
  type: 'macro',
  schema: macroParamSchema,

  expand(name, spec) {
    const out: FlatParametersSpec = {};
    spec.stages.forEach((stage, s) => {
      for (const f of macroFields) out[macroDim(name, s, f)] = macroFieldDim(f, stage[f]);
    });
    return out;
  },

  expandable: (spec) => spec.stages.length <= 12,

  read(name, spec, params) {
    const get = (dim: string): ParamValue | undefined => params[dim];
    const stages: MacroStageValue[] = [];
    for (let s = 0; s < spec.stages.length; s++) {
      const v = Object.fromEntries(macroFields.map((f) => [f, get(macroDim(name, s, f))]));
      if (macroFields.some((f) => v[f] === undefined)) return undefined;
      stages.push(v as unknown as MacroStageValue);
    }
    return { kind: 'macro', stages };
  },

  compose: (value) =>
    JSON.stringify(value.stages.map((s) => ({ depth: s.depth, width: s.width, kernel: s.kernel, expansion: s.expansion, se: s.se }))),

  parse: parseMacro,

  dimensions(name, _spec, value) {
    const out: Params = {};
    value.stages.forEach((stage, s) => macroFields.forEach((f) => (out[macroDim(name, s, f)] = stage[f])));
    return out;
  },

  defect: () => undefined,

  repair: () => {},

  problems: macroProblems,
};
