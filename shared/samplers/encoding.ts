import type { ParamSpec, Params } from '../space/schema.js';
import type { SearchSpace } from '../space/space.js';

/**
 * Feature vectors for models. A numeric parameter is one column holding its unit value (after log
 * scaling, so length scales are in the user's natural scale); an ordinal one column holding
 * index / (k - 1) (its order is meaningful); a categorical one column per value (one-hot), so a
 * stationary kernel sees every pair of values as equally far apart. A parameter inactive under
 * its parents holds 0.5 (numeric) or all zeros (one-hot): the parent's own column already tells
 * the model which branch a point is on.
 */
export interface Column {
  name: string;
  spec: ParamSpec;
  /** First feature index of the parameter and how many it spans. */
  offset: number;
  width: number;
  kind: 'numeric' | 'ordinal' | 'categorical';
}

export class Encoding {
  readonly columns: Column[];
  readonly dims: number;

  constructor(readonly space: SearchSpace) {
    let offset = 0;
    this.columns = space.names.map((name) => {
      const spec = space.spec(name);
      const kind = spec.type === 'categorical' ? 'categorical' : spec.type === 'ordinal' ? 'ordinal' : 'numeric';
      const width = kind === 'categorical' ? (spec as { values: unknown[] }).values.length : 1;
      const col = { name, spec, offset, width, kind } as Column;
      offset += width;
      return col;
    });
    this.dims = offset;
  }

  encode(params: Params): Float64Array {
    const x = new Float64Array(this.dims);
    for (const c of this.columns) {
      const active = c.name in params;
      if (c.kind === 'categorical') {
        if (active) x[c.offset + this.space.toUnit(c.name, params[c.name])] = 1;
      } else if (!active) {
        x[c.offset] = 0.5;
      } else if (c.kind === 'ordinal') {
        const k = (c.spec as { values: unknown[] }).values.length;
        x[c.offset] = k > 1 ? this.space.toUnit(c.name, params[c.name]) / (k - 1) : 0.5;
      } else {
        x[c.offset] = clamp01(this.space.toUnit(c.name, params[c.name]));
      }
    }
    return x;
  }

  /**
   * Feature vector -> a configuration of the space: categorical = the largest one-hot entry,
   * numeric/ordinal = the nearest representable value. Inactive parameters are dropped.
   */
  decode(x: ArrayLike<number>): Params {
    const byName = new Map(this.columns.map((c) => [c.name, c]));
    return this.space.build((name) => {
      const c = byName.get(name)!;
      if (c.kind === 'categorical') {
        let best = 0;
        for (let i = 1; i < c.width; i++) if (x[c.offset + i] > x[c.offset + best]) best = i;
        return best;
      }
      if (c.kind === 'ordinal') return clamp01(x[c.offset]) * ((c.spec as { values: unknown[] }).values.length - 1);
      return clamp01(x[c.offset]);
    });
  }

  /** Encode(decode(x)): where a point really lands once rounded to the space (ints, steps, choices). */
  snap(x: ArrayLike<number>): Float64Array {
    return this.encode(this.decode(x));
  }

  /** A uniformly random feature vector of a valid configuration. */
  random(next: () => number): Float64Array {
    return this.encode(
      this.space.build((_, spec) => (spec.type === 'categorical' || spec.type === 'ordinal' ? Math.min(spec.values.length - 1, Math.floor(next() * spec.values.length)) : next())),
    );
  }
}

export function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}
