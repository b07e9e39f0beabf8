import type { Observation } from './sampler.js';

/**
 * An observation with the outcome of the study's constraints, for samplers that model
 * feasibility (the study fills these from the trial's metrics; plain samplers ignore them).
 * `score` is NaN when the configuration could not be measured at all.
 */
export interface ConstrainedObservation extends Observation {
  /** Whether every constraint held; undefined = unconstrained study (feasible). */
  feasible?: boolean;
  /** Largest constraint value, <= 0 when satisfied (Optuna's convention); NaN when not measured. */
  violation?: number;
  /** Other measured metrics (multi-objective samplers read their objectives here). */
  metrics?: Record<string, number>;
}

export function isFeasible(o: Observation): boolean {
  return (o as ConstrainedObservation).feasible !== false && Number.isFinite(o.score);
}

export function violationOf(o: Observation): number | undefined {
  const v = (o as ConstrainedObservation).violation;
  return v === undefined || Number.isNaN(v) ? undefined : v;
}

/** Whether any observation carries constraint information. */
export function isConstrained(observations: readonly Observation[]): boolean {
  return observations.some((o) => (o as ConstrainedObservation).feasible !== undefined);
}
