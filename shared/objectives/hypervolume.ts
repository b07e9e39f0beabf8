import { hypervolume2d } from './pareto.js';

/**
 * Exact hypervolume of a point set in any dimension (maximization: every point oriented so that
 * larger is better): the volume dominated by the set and dominating `ref`. Points that do not
 * strictly exceed the reference in every objective add nothing.
 *
 * Slicing along the last objective (Hypervolume by Slicing Objectives, While et al. 2006): the
 * points sorted by it, best first, sweep slabs whose cross-section is the (d-1)-dimensional
 * hypervolume of the points above the slab; 2-D is the O(N log N) sweep of hypervolume2d. Cost
 * O(N^(d-1) log N): immediate for the fronts of a study (tens of points, 2-4 objectives).
 */
export function hypervolume(points: readonly (readonly number[])[], ref: readonly number[]): number {
  const d = ref.length;
  if (d === 0) return 0;
  const counted = points.filter((p) => p.length === d && p.every((x, i) => x > ref[i]));
  return slice(counted, ref);
}

function slice(points: readonly (readonly number[])[], ref: readonly number[]): number {
  const d = ref.length;
  if (points.length === 0) return 0;
  if (d === 1) return Math.max(...points.map((p) => p[0])) - ref[0];
  if (d === 2) return hypervolume2d(points, [ref[0], ref[1]]);
  const sorted = [...points].sort((a, b) => b[d - 1] - a[d - 1]);
  const lower = ref.slice(0, d - 1);
  let volume = 0;
  for (let i = 0; i < sorted.length; i++) {
    const floor = i + 1 < sorted.length ? sorted[i + 1][d - 1] : ref[d - 1];
    const depth = sorted[i][d - 1] - floor;
    if (depth > 0)
      volume +=
        depth *
        slice(
          sorted.slice(0, i + 1).map((p) => p.slice(0, d - 1)),
          lower,
        );
  }
  return volume;
}
