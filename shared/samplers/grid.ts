import type { ParamSpec, Params } from '../space/schema.js';
import type { SearchSpace } from '../space/space.js';
import type { Sampler } from './sampler.js';

/** Levels per numeric parameter (ints with fewer values use them all). */
export const gridLevels = 5;

function axis(spec: ParamSpec): number[] {
  if (spec.type === 'categorical' || spec.type === 'ordinal') return spec.values.map((_, i) => i);
  const n = spec.type === 'int' && spec.scale === 'linear' ? Math.min(gridLevels, spec.max - spec.min + 1) : gridLevels;
  return n <= 1 ? [0.5] : Array.from({ length: n }, (_, i) => i / (n - 1));
}

/**
 * Grid search: every parameter on a fixed axis (numeric: evenly spaced unit values, choices: every
 * value), suggestion i = grid point i in mixed radix over the space's parameter order. Points that
 * differ only in parameters inactive under their parents are the same configuration; those, and
 * configurations already measured or pending, are skipped. After the last point the grid repeats.
 */
export const gridSampler: Sampler = {
  name: 'grid',
  suggest: ({ space, index, observations, pending }) => {
    const axes = space.names.map((n) => axis(space.spec(n)));
    const size = axes.reduce((a, x) => a * x.length, 1);
    const seen = new Set([...observations.map((o) => o.params), ...pending].map((p) => JSON.stringify(p)));
    let first: Params | undefined;
    for (let k = 0; k < Math.min(size, 100_000); k++) {
      const p = gridPoint(space, axes, (index + k) % size);
      first ??= p;
      if (!seen.has(JSON.stringify(p))) return p;
    }
    return first!;
  },
};

function gridPoint(space: SearchSpace, axes: number[][], i: number): Params {
  const digits = new Map<string, number>();
  let rest = i;
  space.names.forEach((n, j) => {
    digits.set(n, axes[j][rest % axes[j].length]);
    rest = Math.floor(rest / axes[j].length);
  });
  return space.build((name) => digits.get(name)!);
}
