/**
 * Pareto tools for multi-objective studies. Every point is a vector of objectives already oriented
 * so that larger is better (negate minimized metrics first).
 */

/** Whether a is at least as good as b everywhere and better somewhere. */
export function dominates(a: readonly number[], b: readonly number[]): boolean {
  let better = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] < b[i]) return false;
    if (a[i] > b[i]) better = true;
  }
  return better;
}

/**
 * Fast non-dominated sort (Deb et al. 2002): the indices of the points in fronts, the first front
 * being the Pareto set. O(M N^2).
 */
export function nonDominatedSort(points: readonly (readonly number[])[]): number[][] {
  const n = points.length;
  const dominated: number[][] = Array.from({ length: n }, () => []);
  const count = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (dominates(points[i], points[j])) {
        dominated[i].push(j);
        count[j]++;
      } else if (dominates(points[j], points[i])) {
        dominated[j].push(i);
        count[i]++;
      }
    }
  }
  const fronts: number[][] = [];
  let current = count.flatMap((c, i) => (c === 0 ? [i] : []));
  while (current.length) {
    fronts.push(current);
    const next: number[] = [];
    for (const i of current) for (const j of dominated[i]) if (--count[j] === 0) next.push(j);
    current = next;
  }
  return fronts;
}

/** Indices of the non-dominated points (duplicates of a front point are all kept). */
export function paretoFront(points: readonly (readonly number[])[]): number[] {
  return nonDominatedSort(points)[0] ?? [];
}

/** Crowding distance of the points of one front (NSGA-II's diversity measure; Infinity at the ends). */
export function crowdingDistance(points: readonly (readonly number[])[]): number[] {
  const n = points.length;
  const d = new Array<number>(n).fill(0);
  if (n === 0) return d;
  for (let m = 0; m < points[0].length; m++) {
    const order = points.map((_, i) => i).sort((a, b) => points[a][m] - points[b][m]);
    const span = points[order[n - 1]][m] - points[order[0]][m];
    d[order[0]] = d[order[n - 1]] = Infinity;
    if (span <= 0) continue;
    for (let k = 1; k < n - 1; k++) d[order[k]] += (points[order[k + 1]][m] - points[order[k - 1]][m]) / span;
  }
  return d;
}

/**
 * Exact hypervolume of a 2-D point set (maximization) with respect to a reference point that every
 * counted point must strictly exceed in both objectives: the area dominated by the set and
 * dominating the reference. O(N log N).
 */
export function hypervolume2d(points: readonly (readonly number[])[], ref: readonly [number, number]): number {
  const pts = points.filter((p) => p[0] > ref[0] && p[1] > ref[1]).sort((a, b) => b[0] - a[0] || b[1] - a[1]);
  let area = 0;
  let yMax = ref[1];
  for (const p of pts) {
    if (p[1] > yMax) {
      area += (p[0] - ref[0]) * (p[1] - yMax);
      yMax = p[1];
    }
  }
  return area;
}
