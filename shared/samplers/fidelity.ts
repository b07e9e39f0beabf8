import type { Observation } from './sampler.js';

/**
 * Multi-fidelity data selection (BOHB's rule): model the highest resource that has at least
 * `minPoints` results, because a rung's ranking predicts the full-budget ranking better the higher
 * the rung, and a model needs enough points to say anything. When a trial reported several
 * rungs, each rung is its own observation. Returns undefined while no rung has enough points.
 */
export function pickFidelity(
  observations: readonly Observation[],
  minPoints: number,
): { resource: number; points: Observation[] } | undefined {
  const byResource = new Map<number, Observation[]>();
  for (const o of observations) {
    if (!Number.isFinite(o.score)) continue;
    let list = byResource.get(o.resource);
    if (!list) byResource.set(o.resource, (list = []));
    list.push(o);
  }
  const levels = [...byResource.keys()].sort((a, b) => b - a);
  for (const r of levels) {
    const points = byResource.get(r)!;
    if (points.length >= minPoints) return { resource: r, points };
  }
  return undefined;
}
