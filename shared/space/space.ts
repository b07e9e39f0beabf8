import type { Rng } from '../rng.js';
import type { ParamSpec, ParamValue, Params, ParametersSpec } from './schema.js';

/**
 * A validated search space: parameters in an order where every parent comes before its
 * children, so that one pass decides which conditional parameters are active.
 *
 * Numeric parameters map to the unit interval (after log10 for log scale); choice parameters
 * to an index. Samplers work in that unit space and never see units or scales.
 */
export class SearchSpace {
  readonly names: string[];

  constructor(readonly params: ParametersSpec) {
    this.names = topologicalOrder(params);
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
      if (!(parent in assignment)) return false;
      const v = assignment[parent];
      return Array.isArray(accepted) ? accepted.includes(v) : accepted === v;
    });
  }

  /**
   * Builds a configuration parameter by parameter: `pick(name)` proposes a unit value (numeric)
   * or an index (choice) for each parameter that is active. Samplers share this one walk.
   */
  build(pick: (name: string, spec: ParamSpec) => number): Params {
    const out: Params = {};
    for (const name of this.names) {
      if (!this.isActive(name, out)) continue;
      const spec = this.params[name];
      out[name] = this.fromUnit(name, pick(name, spec));
    }
    return out;
  }

  sample(rng: Rng): Params {
    return this.build((_, spec) => (isChoice(spec) ? rng.int(0, spec.values.length - 1) : rng.next()));
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

  /** Checks a user-given configuration (enqueued or warm start) against the space. */
  problems(config: Params): { path: string; message: string }[] {
    const issues: { path: string; message: string }[] = [];
    const active: Params = {};
    for (const name of this.names) {
      if (!this.isActive(name, active)) {
        if (name in config) issues.push({ path: name, message: 'is inactive under the given parent values' });
        continue;
      }
      if (!(name in config)) {
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
    for (const name of Object.keys(config)) {
      if (!this.params[name]) issues.push({ path: name, message: 'is not a parameter of the space' });
    }
    return issues;
  }
}

export function isChoice(spec: ParamSpec): spec is Extract<ParamSpec, { values: unknown }> {
  return spec.type === 'categorical' || spec.type === 'ordinal';
}

function topologicalOrder(params: ParametersSpec): string[] {
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
