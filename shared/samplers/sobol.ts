import { deriveSeed } from '../rng.js';
import { joeKuo } from './sobol-directions.js';
import type { Sampler } from './sampler.js';

const BITS = 32;
export const sobolMaxDims = joeKuo.length + 1;

/** v[j][k]: direction number k (as a 32-bit fraction) of dimension j; computed once. */
const directions: Uint32Array[] = (() => {
  const out: Uint32Array[] = [];
  const first = new Uint32Array(BITS);
  for (let k = 0; k < BITS; k++) first[k] = (1 << (31 - k)) >>> 0;
  out.push(first);
  for (const { s, a, m } of joeKuo) {
    const v = new Uint32Array(BITS);
    for (let k = 0; k < s; k++) v[k] = (m[k] << (31 - k)) >>> 0;
    for (let k = s; k < BITS; k++) {
      let x = (v[k - s] ^ (v[k - s] >>> s)) >>> 0;
      for (let i = 1; i < s; i++) if ((a >>> (s - 1 - i)) & 1) x = (x ^ v[k - i]) >>> 0;
      v[k] = x;
    }
    out.push(v);
  }
  return out;
})();

/**
 * Point `index` of the Sobol sequence in [0,1)^dims, computed directly (Gray-code order), so a
 * stateless caller can ask for any index. `shift` (one 32-bit word per dimension) is a random
 * digital shift: XOR keeps every (t, m, s)-net property of the sequence while moving its first
 * point off the corner and making seeds independent.
 */
export function sobolPoint(index: number, dims: number, shift?: Uint32Array): number[] {
  if (dims > sobolMaxDims) throw new RangeError(`Sobol directions cover ${sobolMaxDims} dimensions, not ${dims}`);
  const gray = (index ^ (index >>> 1)) >>> 0;
  const out: number[] = [];
  for (let j = 0; j < dims; j++) {
    let x = 0;
    for (let k = 0, g = gray; g; k++, g >>>= 1) if (g & 1) x = (x ^ directions[j][k]) >>> 0;
    if (shift) x = (x ^ shift[j]) >>> 0;
    out.push(x / 2 ** BITS);
  }
  return out;
}

/** The study-wide digital shift: a function of the study seed alone, the same for every suggestion. */
export function sobolShift(seed: number, dims: number): Uint32Array {
  return Uint32Array.from({ length: dims }, (_, j) => deriveSeed(seed, 0x50b0, j) >>> 0);
}

/**
 * Quasi-random design: suggestion i is Sobol point i, one dimension per parameter (a choice takes
 * floor(u * k)). Without a study seed the sequence is unshifted and starts at point 1 (point 0 is
 * the corner of the cube). Parameters beyond the 31st get independent uniforms.
 */
export const sobolSampler: Sampler = {
  name: 'sobol',
  suggest: ({ space, index, rng, seed }) => {
    const d = space.names.length;
    const qd = Math.min(d, sobolMaxDims);
    const u = sobolPoint(seed === undefined ? index + 1 : index, qd, seed === undefined ? undefined : sobolShift(seed, qd));
    const pos = new Map(space.names.map((n, i) => [n, i]));
    return space.build((name, spec) => {
      const i = pos.get(name)!;
      const v = i < qd ? u[i] : rng.next();
      return spec.type === 'categorical' || spec.type === 'ordinal'
        ? Math.min(spec.values.length - 1, Math.floor(v * spec.values.length))
        : v;
    });
  },
};
