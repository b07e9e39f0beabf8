import { cell, type CellValue } from '../space/architectures/cell.js';
import { nonConnectingOps } from '../space/architectures/operations.js';
import type { CellParamSpec, ParamSpec, Params } from '../space/schema.js';
import { isChoice, type SearchSpace } from '../space/space.js';

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
      this.space.build((_, spec) =>
        spec.type === 'categorical' || spec.type === 'ordinal'
          ? Math.min(spec.values.length - 1, Math.floor(next() * spec.values.length))
          : next(),
      ),
    );
  }
}

export function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

/**
 * Encodings of cell parameters for architecture models (White et al., "BANANAS", AAAI 2021):
 * - one-hot: per edge (NAS-Bench-201 order), one column per operation; two cells are as far apart
 *   as the number of edges on which they differ;
 * - path: one column per sequence of connecting operations along a path from input to output
 *   (lengths 1 .. nodes - 1), 1 when the cell has such a path. Edges with `none` cut their paths,
 *   so cells that compute the same function share most features, which one-hot misses.
 * The composed value is read from the flat dimensions (shared/space/architectures/cell.ts).
 */
export function cellOneHot(spec: CellParamSpec, value: CellValue): Float64Array {
  const x = new Float64Array(value.edges.length * spec.ops.length);
  value.edges.forEach((e, i) => {
    const j = spec.ops.indexOf(e.op);
    if (j >= 0) x[i * spec.ops.length + j] = 1;
  });
  return x;
}

/** Largest path encoding built; bigger cells (many nodes and operations) use one-hot. */
export const maxPathFeatures = 4096;

/** Columns of the path encoding of a cell: sum over lengths L = 1 .. nodes - 1 of k^L (k connecting operations). */
export function pathFeatureCount(spec: Pick<CellParamSpec, 'nodes' | 'ops'>): number {
  const k = spec.ops.filter((o) => !nonConnectingOps.has(o)).length;
  let n = 0;
  for (let L = 1, p = k; L < spec.nodes; L++, p *= k) n += p;
  return n;
}

/**
 * Path encoding: the column of a sequence (o_1 .. o_L) is offset(L) + sum_i idx(o_i) * k^(L - i),
 * offset(L) = k + k^2 + ... + k^(L-1), idx the position among the connecting operations in the
 * order of `ops`. Throws when the encoding would exceed `maxPathFeatures` columns.
 */
export function cellPathEncoding(spec: Pick<CellParamSpec, 'nodes' | 'ops'>, value: CellValue): Float64Array {
  const size = pathFeatureCount(spec);
  if (size > maxPathFeatures) throw new Error(`path encoding needs ${size} columns (more than ${maxPathFeatures}): use one-hot`);
  const connecting = spec.ops.filter((o) => !nonConnectingOps.has(o));
  const k = connecting.length;
  const offsets = [0, 0];
  for (let L = 1, p = k; L < spec.nodes; L++, p *= k) offsets.push(offsets[L] + p);
  const x = new Float64Array(size);
  const out = spec.nodes - 1;
  const walk = (node: number, seq: number[]) => {
    if (node === out) {
      x[offsets[seq.length] + seq.reduce((a, i) => a * k + i, 0)] = 1;
      return;
    }
    for (const e of value.edges) {
      if (e.from !== node) continue;
      const i = connecting.indexOf(e.op);
      if (i >= 0) walk(e.to, [...seq, i]);
    }
  };
  walk(0, []);
  return x;
}

/**
 * What an architecture model (arch-bo) sees of a configuration: one entry per flat dimension
 * holding its choice index or unit value (NaN where inactive; `choice` says which entries compare
 * as equal / different), except that with `cells: 'path'` every cell parameter is replaced by its
 * path encoding (numeric 0/1 entries). The default 'onehot' is the per-edge choice itself: the
 * model's overlap distance over choice indices equals the Hamming distance of the one-hot vectors.
 */
export interface Featurizer {
  readonly choice: boolean[];
  vec(params: Params): Float64Array;
}

export type CellEncoding = 'onehot' | 'path';

export function featurizer(space: SearchSpace, cells: CellEncoding = 'onehot'): Featurizer {
  const pathCells =
    cells === 'path'
      ? space.architectures.filter(
          (a): a is typeof a & { spec: CellParamSpec } => a.spec.type === 'cell' && pathFeatureCount(a.spec) <= maxPathFeatures,
        )
      : [];
  const replaced = new Set(pathCells.flatMap((a) => a.dims));
  const plain = space.names.filter((n) => !replaced.has(n));
  const choice = [
    ...plain.map((n) => isChoice(space.spec(n))),
    ...pathCells.flatMap((a) => new Array<boolean>(pathFeatureCount(a.spec)).fill(false)),
  ];
  return {
    choice,
    vec(params: Params): Float64Array {
      const x = new Float64Array(choice.length);
      plain.forEach((n, i) => (x[i] = n in params ? space.toUnit(n, params[n]) : NaN));
      let at = plain.length;
      for (const a of pathCells) {
        const value = cell.read(a.name, a.spec, params);
        const size = pathFeatureCount(a.spec);
        if (value) x.set(cellPathEncoding(a.spec, value), at);
        else x.fill(NaN, at, at + size);
        at += size;
      }
      return x;
    },
  };
}
