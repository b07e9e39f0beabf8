import { normalSample } from '../math/normal.js';
import type { Rng } from '../rng.js';
import type { Params } from '../space/schema.js';
import { clamp01, type Encoding } from './encoding.js';

export interface AcquisitionSearch {
  enc: Encoding;
  rng: Rng;
  /** Acquisition value of an encoded point (larger is better). */
  score: (x: Float64Array) => number;
  /** Encoded points worth searching around (the best results so far). */
  starts: Float64Array[];
  candidates: number;
  /** JSON of configurations already measured or pending: never suggested again. */
  exclude: Set<string>;
}

/**
 * Maximizes an acquisition over the space: uniform candidates plus perturbations of the best
 * results, then a local search (random coordinate moves with a shrinking step) from the three
 * best. Every point is snapped to the space first (ints, steps, one-hot), so it is scored where it
 * will really land; a configuration in `exclude` is never returned unless nothing else was found.
 */
export function acquisitionOptimum(s: AcquisitionSearch): Params {
  const { enc, rng } = s;
  const pool: { x: Float64Array; v: number }[] = [];
  const consider = (raw: Float64Array) => {
    const x = enc.snap(raw);
    pool.push({ x, v: s.score(x) });
  };
  for (let i = 0; i < s.candidates; i++) consider(enc.random(() => rng.next()));
  for (const start of s.starts) {
    for (let i = 0; i < 8; i++) consider(perturb(start, 0.1, enc, rng));
  }
  pool.sort((a, b) => b.v - a.v);

  const refined: { x: Float64Array; v: number }[] = [];
  for (const seed of pool.slice(0, 3)) {
    let cur = seed;
    let step = 0.1;
    for (let it = 0; it < 24; it++) {
      const x = enc.snap(perturb(cur.x, step, enc, rng));
      const v = s.score(x);
      if (v > cur.v) cur = { x, v };
      else if (it % 6 === 5) step /= 2;
    }
    refined.push(cur);
  }
  const ranked = [...refined, ...pool].sort((a, b) => b.v - a.v);
  for (const r of ranked) {
    const p = enc.decode(r.x);
    if (!s.exclude.has(JSON.stringify(p))) return p;
  }
  return enc.decode(ranked[0].x);
}

/** Moves one or two randomly chosen parameters: Gaussian step (numeric), another value (categorical). */
function perturb(x: Float64Array, step: number, enc: Encoding, rng: Rng): Float64Array {
  const out = Float64Array.from(x);
  const moves = rng.next() < 0.5 ? 1 : 2;
  for (let m = 0; m < moves; m++) {
    const c = enc.columns[rng.int(0, enc.columns.length - 1)];
    if (c.kind === 'categorical') {
      out.fill(0, c.offset, c.offset + c.width);
      out[c.offset + rng.int(0, c.width - 1)] = 1;
    } else {
      out[c.offset] = clamp01(out[c.offset] + step * normalSample(rng));
    }
  }
  return out;
}
