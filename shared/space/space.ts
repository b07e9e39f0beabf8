import type { Rng } from '../rng.js';
import {
  architectureDefect,
  architectureDimensions,
  composeArchitecture,
  expandParameters,
  parseArchitecture,
  readArchitecture,
  repairArchitecture,
  type ExpandedSpace,
} from './architecture.js';
import type { FlatParametersSpec, ParamSpec, ParamValue, Params, ParametersSpec } from './schema.js';

/** An architecture parameter of the space with its flat dimensions (in `names` order). */
export type SpaceArchitecture = ExpandedSpace['architectures'][number];

/**
 * A validated search space: parameters in an order where every parent comes before its
 * children, so that one pass decides which conditional parameters are active.
 *
 * Numeric parameters map to the unit interval (after log10 for log scale); choice parameters
 * to an index. Samplers work in that unit space and never see units or scales.
 *
 * Architecture parameters (cell, darts_cell, macro, compound_scaling; shared/space/architecture.ts)
 * are expanded into flat dimensions: `names` and `params` hold only flat parameters, so every
 * sampler works on them unchanged. A configuration holds the flat dimensions plus, under each
 * architecture parameter's own name, the composed architecture (a string) that a job builds.
 */
export class SearchSpace {
  readonly names: string[];
  /** Flat parameters (architecture parameters expanded). */
  readonly params: FlatParametersSpec;
  readonly architectures: SpaceArchitecture[];
  private readonly owner = new Map<string, SpaceArchitecture>();

  /** `declared`: the parameters as the spec gives them. */
  constructor(readonly declared: ParametersSpec) {
    const expanded = expandParameters(declared);
    this.params = expanded.params;
    this.architectures = expanded.architectures;
    for (const a of this.architectures) for (const d of a.dims) this.owner.set(d, a);
    this.names = topologicalOrder(this.params);
  }

  /** The architecture parameter a flat dimension belongs to (undefined for a plain parameter). */
  architectureOf(name: string): SpaceArchitecture | undefined {
    return this.owner.get(name);
  }

  spec(name: string): ParamSpec {
    const p = this.params[name];
    if (!p) throw new Error(`unknown parameter ${name}`);
    return p;
  }

  /** Whether `name` is active given the (partial) assignment of its parents. */
  isActive(name: string, assignment: Params): boolean {
    const when = this.params[name].when;
    if (!when) return true;
    return Object.entries(when).every(([parent, accepted]) => {
      if (!Object.hasOwn(assignment, parent)) return false;
      const v = assignment[parent];
      return Array.isArray(accepted) ? accepted.includes(v) : accepted === v;
    });
  }

  /**
   * Builds a configuration parameter by parameter: `pick(name)` proposes a unit value (numeric)
   * or an index (choice) for each parameter that is active. Samplers share this one walk.
   */
  build(pick: (name: string, spec: ParamSpec) => number): Params {
    const out = this.walk(pick);
    for (const a of this.architectures) if (a.dims[0] in out) repairArchitecture(a.name, a.spec, out);
    return this.compose(out);
  }

  /** Like build, but undefined where an architecture would need repair (enumeration skips those). */
  tryBuild(pick: (name: string, spec: ParamSpec) => number): Params | undefined {
    const out = this.walk(pick);
    return this.defects(out).length > 0 ? undefined : this.compose(out);
  }

  /**
   * Uniform over usable configurations: a draw with an unusable architecture (a cell without an
   * input-to-output path, gamma < 1) is redrawn whole (rejection sampling keeps the distribution
   * uniform over the usable ones); after 100 draws the last one is repaired. A space without
   * architecture parameters draws exactly once, as before.
   */
  sample(rng: Rng): Params {
    const pick = (_: string, spec: ParamSpec) => (isChoice(spec) ? rng.int(0, spec.values.length - 1) : rng.next());
    for (let attempt = 0; attempt < 99; attempt++) {
      const out = this.tryBuild(pick);
      if (out) return out;
    }
    return this.build(pick);
  }

  /** The architecture parameters of a configuration that cannot be built, with the reason. */
  defects(config: Params): { name: string; message: string }[] {
    const out: { name: string; message: string }[] = [];
    for (const a of this.architectures) {
      const value = readArchitecture(a.name, a.spec, config);
      const message = value && architectureDefect(a.spec, value);
      if (message) out.push({ name: a.name, message });
    }
    return out;
  }

  /** The flat walk: each active parameter in order, value from `pick`. */
  private walk(pick: (name: string, spec: ParamSpec) => number): Params {
    const out: Params = {};
    for (const name of this.names) {
      if (!this.isActive(name, out)) continue;
      const spec = this.params[name];
      out[name] = this.fromUnit(name, pick(name, spec));
    }
    return out;
  }

  /** Adds the composed value of every active architecture parameter under its own name. */
  private compose(out: Params): Params {
    for (const a of this.architectures) {
      const value = readArchitecture(a.name, a.spec, out);
      if (value) out[a.name] = composeArchitecture(value);
    }
    return out;
  }

  /** Unit value (numeric) or index (choice) -> the value a trial receives. */
  fromUnit(name: string, u: number): ParamValue {
    const p = this.spec(name);
    if (p.type === 'categorical' || p.type === 'ordinal') {
      return p.values[Math.min(p.values.length - 1, Math.max(0, Math.round(u)))];
    }
    const x = Math.min(1, Math.max(0, u));
    let v: number;
    if (p.scale === 'log') {
      const lo = Math.log10(p.min);
      const hi = Math.log10(p.max);
      v = 10 ** (lo + x * (hi - lo));
    } else {
      v = p.min + x * (p.max - p.min);
    }
    if (p.step !== undefined) v = p.min + Math.round((v - p.min) / p.step) * p.step;
    if (p.type === 'int') v = Math.round(v);
    return Math.min(p.max, Math.max(p.min, v));
  }

  /** The value a trial received -> unit value (numeric) or index (choice). */
  toUnit(name: string, value: ParamValue): number {
    const p = this.spec(name);
    if (p.type === 'categorical' || p.type === 'ordinal') {
      const i = (p.values as ParamValue[]).indexOf(value);
      if (i < 0) throw new Error(`${JSON.stringify(value)} is not a value of ${name}`);
      return i;
    }
    const v = Number(value);
    if (p.max === p.min) return 0.5;
    if (p.scale === 'log') {
      const lo = Math.log10(p.min);
      return (Math.log10(v) - lo) / (Math.log10(p.max) - lo);
    }
    return (v - p.min) / (p.max - p.min);
  }

  /** A copy of `config` with the composed value of every architecture whose dimensions it holds. */
  withComposed(config: Params): Params {
    return this.compose({ ...config });
  }

  /**
   * A user-given configuration (enqueued, warm start) as a trial holds it, or its problems. An
   * architecture given by its composed value alone (a known good cell pasted from a paper or
   * another study) is first expanded into its dimensions; then the whole is checked (`problems`);
   * a configuration that fits carries every composed value in canonical form, so that a job that
   * reads the composed value gets it however the configuration was given.
   */
  normalize(config: Params): { config: Params; issues: { path: string; message: string }[] } {
    const out: Params = { ...config };
    const unreadable = new Set<string>();
    const issues: { path: string; message: string }[] = [];
    for (const a of this.architectures) {
      if (!(a.name in config) || a.dims.some((d) => d in config)) continue;
      // The parents of an architecture are plain parameters (the schema allows no condition on an
      // architecture), so `config` alone decides; an inactive one is left for `problems` to name.
      if (!this.isActive(a.dims[0], config)) continue;
      const parsed = parseArchitecture(a.spec, config[a.name]);
      if (!parsed.ok) {
        issues.push({ path: a.name, message: parsed.message });
        for (const p of [a.name, ...a.dims]) unreadable.add(p);
        continue;
      }
      Object.assign(out, architectureDimensions(a.name, a.spec, parsed.value));
      out[a.name] = composeArchitecture(parsed.value);
    }
    // The dimensions of an unreadable value are missing, but its own issue already says why.
    issues.push(...this.problems(out).filter((p) => !unreadable.has(p.path)));
    return issues.length > 0 ? { config, issues } : { config: this.withComposed(out), issues };
  }

  /** Checks a user-given configuration (enqueued or warm start) against the space. */
  problems(config: Params): { path: string; message: string }[] {
    const issues: { path: string; message: string }[] = [];
    // Own properties only: a key named like an Object.prototype member (`constructor`) is a key like any other.
    const active: Params = {};
    for (const name of this.names) {
      if (!this.isActive(name, active)) {
        if (Object.hasOwn(config, name)) issues.push({ path: name, message: 'is inactive under the given parent values' });
        continue;
      }
      if (!Object.hasOwn(config, name)) {
        issues.push({ path: name, message: 'is required' });
        continue;
      }
      const p = this.params[name];
      const v = config[name];
      if (p.type === 'categorical' || p.type === 'ordinal') {
        if (!(p.values as ParamValue[]).includes(v)) issues.push({ path: name, message: `must be one of ${JSON.stringify(p.values)}` });
      } else if (typeof v !== 'number' || !Number.isFinite(v) || v < p.min || v > p.max) {
        issues.push({ path: name, message: `must be a number in [${p.min}, ${p.max}]` });
      } else if (p.type === 'int' && !Number.isInteger(v)) {
        issues.push({ path: name, message: 'must be an integer' });
      }
      active[name] = v;
    }
    for (const a of this.architectures) {
      const value = issues.length === 0 ? readArchitecture(a.name, a.spec, config) : undefined;
      if (!value) {
        if (Object.hasOwn(config, a.name) && !Object.hasOwn(active, a.dims[0]))
          issues.push({ path: a.name, message: 'is inactive under the given parent values' });
        continue;
      }
      const defect = architectureDefect(a.spec, value);
      if (defect) issues.push({ path: a.name, message: defect });
      // The composed value is optional (a job's own record may leave it out), but it must agree.
      const composed = composeArchitecture(value);
      if (Object.hasOwn(config, a.name) && config[a.name] !== composed)
        issues.push({
          path: a.name,
          message: `must be ${JSON.stringify(composed)}, the architecture its dimensions compose (or be left out)`,
        });
    }
    for (const name of Object.keys(config)) {
      if (!Object.hasOwn(this.params, name) && !Object.hasOwn(this.declared, name))
        issues.push({ path: name, message: 'is not a parameter of the space' });
    }
    return issues;
  }
}

export function isChoice(spec: ParamSpec): spec is Extract<ParamSpec, { values: unknown }> {
  return spec.type === 'categorical' || spec.type === 'ordinal';
}

function topologicalOrder(params: FlatParametersSpec): string[] {
  const order: string[] = [];
  const placed = new Set<string>();
  const place = (name: string, depth: number) => {
    if (placed.has(name)) return;
    // The schema rejects cycles; the depth guard keeps a bypassed schema from looping forever.
    if (depth > Object.keys(params).length) throw new Error('conditions form a cycle');
    for (const parent of Object.keys(params[name].when ?? {})) place(parent, depth + 1);
    placed.add(name);
    order.push(name);
  };
  for (const name of Object.keys(params)) place(name, 0);
  return order;
}
