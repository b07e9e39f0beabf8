import type { Observation } from '../samplers/sampler.js';
import { orient } from './best.js';
import type { Constraint, Objective, ObjectiveEntry } from './objectives-schema.js';
import type { Measurement, Trial } from './types.js';

// The spec's part (schemas and cross-field rules) lives apart, so that spec.ts loads neither samplers nor records.
export * from './objectives-schema.js';

/**
 * Objectives beyond one metric, and constraints on metrics (issue #6): the spec's pieces, the
 * rules across fields, and the pure functions the workflow and the API use to judge a trial's
 * reported metrics.
 *
 * A study has either `objective` (one metric) or `objectives` (2-4, a Pareto study). The parsed
 * spec always carries `objective`: for a Pareto study it is the first entry (the primary
 * objective), so every reader of `spec.objective` keeps working. The primary objective ranks
 * promotions of multi-fidelity schedulers and picks `study.best`; the front over all objectives is
 * `GET /studies/{id}/pareto` (shared/analysis/pareto.ts), and the samplers nsga2 and parego
 * search it. Constraints are not penalties: a trial's feasibility goes to the samplers beside its
 * objective values (Observation.feasible, .violation), and a trial that violates one at its final rung ends
 * INFEASIBLE and is never the best.
 */

/** The study's objectives, primary first (one entry for a single-objective study). */
export function objectivesOfSpec(spec: { objective: Objective; objectives?: ObjectiveEntry[] }): ObjectiveEntry[] {
  return spec.objectives ?? [spec.objective];
}

/** Whether trials of this study keep their metrics and feasibility (a Pareto study, constraints or declared metrics). */
export function tracksMetrics(spec: { objectives?: unknown[]; constraints?: unknown[]; trial: { metrics?: string[] } }): boolean {
  return Boolean(spec.objectives?.length || spec.constraints?.length || spec.trial.metrics?.length);
}

/** The metrics a trial of this study keeps in `metrics`: objectives, constraint metrics, trial.metrics (none when it tracks none). */
export function trackedMetrics(spec: SpecView): string[] {
  if (!tracksMetrics(spec)) return [];
  return [
    ...new Set([
      ...objectivesOfSpec(spec).map((o) => o.metric),
      ...(spec.constraints ?? []).map((c) => c.metric),
      ...(spec.trial.metrics ?? []),
    ]),
  ];
}

/** The parsed spec's fields the functions below read. */
interface SpecView {
  objective: Objective;
  objectives?: ObjectiveEntry[];
  constraints?: Constraint[];
  trial: { metrics?: string[] };
}

/**
 * How far a value is from the feasible side of a constraint, relative to the bound (<= 0 when
 * it holds): relative, so that constraints in different units (ms, MB) compare in one violation.
 */
export function constraintValue(c: Constraint, value: number): number {
  const rel = (excess: number, bound: number) => excess / (Math.abs(bound) > 0 ? Math.abs(bound) : 1);
  const above = c.max === undefined ? -Infinity : rel(value - c.max, c.max);
  const below = c.min === undefined ? -Infinity : rel(c.min - value, c.min);
  return Math.max(above, below);
}

/** What a rung's measurements say about the trial beyond its primary objective. */
export interface RungOutcome {
  /** The spec's metrics (objectives, constraint metrics, trial.metrics), each at its latest report up to the rung. */
  metrics?: Record<string, number>;
  /** false when a constraint is violated; true when all are measured and hold; absent when unknown or unconstrained. */
  feasible?: boolean;
  /** The largest constraint value (Optuna's convention: <= 0 when feasible); absent when unknown. */
  violation?: number;
  /** At the final rung: why the trial fails (an objective or constraint metric never reported). */
  missing?: string;
}

/**
 * Judges the metrics of a trial's measurements up to `upTo`. A metric counts at its latest report
 * (a job may report a fixed cost such as a parameter count once). At the final rung every
 * objective and every constraint metric must have been reported, or the trial cannot be judged.
 */
export function rungOutcome(
  spec: SpecView,
  measurements: readonly Pick<Measurement, 'step' | 'metrics'>[],
  upTo: number,
  final: boolean,
): RungOutcome {
  if (!tracksMetrics(spec)) return {};
  const names = trackedMetrics(spec);
  const metrics: Record<string, number> = {};
  for (const m of measurements) {
    if (m.step > upTo) continue;
    for (const name of names) if (Number.isFinite(m.metrics[name])) metrics[name] = m.metrics[name];
  }
  const outcome: RungOutcome = { metrics };
  const constraints = spec.constraints ?? [];
  const values = constraints.map((c) => (metrics[c.metric] === undefined ? undefined : constraintValue(c, metrics[c.metric])));
  const measured = values.filter((v): v is number => v !== undefined);
  if (measured.some((v) => v > 0)) {
    outcome.feasible = false;
    outcome.violation = Math.max(...measured);
  } else if (constraints.length > 0 && measured.length === constraints.length) {
    outcome.feasible = true;
    outcome.violation = Math.max(...measured);
  }
  if (final) {
    const unreported = objectivesOfSpec(spec).find((o) => metrics[o.metric] === undefined)?.metric;
    const unconstrained = constraints.find((c) => metrics[c.metric] === undefined)?.metric;
    if (unreported) outcome.missing = `the job never reported the objective metric "${unreported}"`;
    else if (unconstrained)
      outcome.missing = `the job never reported the metric "${unconstrained}" that a constraint needs (constraints.${constraints.findIndex((c) => c.metric === unconstrained)})`;
  }
  return outcome;
}

/** The trial fields a rung outcome sets (nothing for a study that does not track metrics). */
export function outcomeFields(outcome: RungOutcome): Pick<Trial, 'metrics' | 'feasible' | 'violation'> {
  if (!outcome.metrics) return {};
  return { metrics: outcome.metrics, feasible: outcome.feasible, violation: outcome.violation };
}

/**
 * A sampler's view of one rung result of a trial: the primary objective as `score`, and for a
 * study that tracks metrics the trial's feasibility (a property of the configuration: latency,
 * size) and, at the trial's latest rung, every objective (larger is better) and its metrics.
 */
export function observationOf(spec: SpecView, trial: Trial, rung: number, value: number, resource: number): Observation {
  const observation: Observation = { params: trial.params, score: orient(spec.objective.goal, value), resource };
  if (!tracksMetrics(spec)) return observation;
  if (trial.feasible !== undefined) observation.feasible = trial.feasible;
  if (trial.violation !== undefined) observation.violation = trial.violation;
  let latest = trial.rungValues.length - 1;
  while (latest >= 0 && (trial.rungValues[latest] === undefined || trial.rungValues[latest] === null)) latest--;
  if (rung !== latest || !trial.metrics) return observation;
  observation.metrics = trial.metrics;
  if (spec.objectives) {
    const values = spec.objectives.map((o, i) => (i === 0 ? value : trial.metrics![o.metric]));
    if (values.every((v) => v !== undefined && Number.isFinite(v)))
      observation.objectives = values.map((v, i) => orient(spec.objectives![i].goal, v!));
  }
  return observation;
}
