import type { Observation } from './sampler.js';

/** The constraint outcome of observations (Observation.feasible, .violation), for samplers that model feasibility. */

export function isFeasible(o: Observation): boolean {
  return o.feasible !== false && Number.isFinite(o.score);
}

export function violationOf(o: Observation): number | undefined {
  const v = o.violation;
  return v === undefined || Number.isNaN(v) ? undefined : v;
}

/** Whether any observation carries constraint information. */
export function isConstrained(observations: readonly Observation[]): boolean {
  return observations.some((o) => o.feasible !== undefined);
}
