import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';

/**
 * The domain's only source of randomness. Seeded explicitly so that a retried Lambda step makes
 * the same decision as the first attempt (idempotent suggestions), and so that benchmark runs are
 * reproducible from (seed, trial number).
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number;
}

export function createRng(seed: number): Rng {
  // Small consecutive seeds give correlated first draws from xoroshiro: mix them first.
  const gen = xoroshiro128plus(deriveSeed(seed, 0x5eed));
  return {
    next: () => uniformFloat64(gen),
    int: (lo, hi) => uniformInt(gen, lo, hi),
  };
}

/** A seed derived from several integers (e.g. study seed and trial number), well mixed. */
export function deriveSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h ^= p | 0;
    h = Math.imul(h, 0x01000193);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
  }
  return h | 0;
}
