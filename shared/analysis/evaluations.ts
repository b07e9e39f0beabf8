import { orient } from '../study/best.js';
import { rungResource } from '../study/ladder.js';
import type { Measurement, Study, Trial } from '../study/types.js';

/**
 * What the dashboard and the report plot, as pure functions of the study, its trials and their
 * measurements (the same JSON the API returns), so that the browser and the CLI draw the same.
 */
export type StudyLike = Pick<Study, 'spec'>;
export type TrialLike = Pick<Trial, 'trialId' | 'number' | 'bracket' | 'rung' | 'state' | 'params' | 'resource' | 'rungValues' | 'value'> &
  Partial<Pick<Trial, 'startedAt' | 'endedAt' | 'updatedAt' | 'jobs' | 'stopRequested' | 'phase' | 'source'>>;
export type MeasurementLike = Pick<Measurement, 'step' | 'metrics' | 'at'>;
export type MeasurementsByTrial = Record<string, MeasurementLike[] | undefined>;

/** One objective value of a trial at one resource: a rung result, or where the trial ended. */
export interface Evaluation {
  trialId: string;
  number: number;
  resource: number;
  value: number;
  /** When it was measured (ISO time), if known. */
  at?: string;
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** When the trial reported its objective at `resource` (the last report at or below it). */
function measuredAt(metric: string, measurements: MeasurementLike[] | undefined, resource: number): string | undefined {
  if (!measurements) return undefined;
  let at: string | undefined;
  for (const m of measurements) if (m.step <= resource && isNumber(m.metrics[metric])) at = m.at;
  return at;
}

/** Every rung result of every trial, plus the value where a trial ended off a rung boundary. */
export function evaluations(study: StudyLike, trials: TrialLike[], measurements: MeasurementsByTrial = {}): Evaluation[] {
  const metric = study.spec.objective.metric;
  const out: Evaluation[] = [];
  for (const t of trials) {
    const seen = new Set<number>();
    t.rungValues.forEach((v, rung) => {
      const resource = rungResource(study, t, rung);
      if (!isNumber(v) || resource === undefined) return;
      seen.add(resource);
      out.push({
        trialId: t.trialId,
        number: t.number,
        resource,
        value: v,
        at: measuredAt(metric, measurements[t.trialId], resource) ?? t.endedAt,
      });
    });
    if (isNumber(t.value) && t.resource > 0 && !seen.has(t.resource)) {
      out.push({
        trialId: t.trialId,
        number: t.number,
        resource: t.resource,
        value: t.value,
        at: measuredAt(metric, measurements[t.trialId], t.resource) ?? t.endedAt,
      });
    }
  }
  return out.sort((a, b) => (a.at ?? '').localeCompare(b.at ?? '') || a.number - b.number || a.resource - b.resource);
}

export interface BestPoint {
  at?: string;
  /** Position in the evaluation order (an x axis when times are missing). */
  index: number;
  value: number;
  trialId: string;
}

/**
 * Best-so-far among the evaluations at the largest resource any evaluation reached: values at a
 * smaller budget are not comparable (the study's best trial follows the same rule), so they do
 * not move the line. Evaluations are taken in the order given (evaluations() sorts by time).
 */
export function bestSoFar(goal: 'maximize' | 'minimize', evals: Evaluation[]): { resource?: number; points: BestPoint[] } {
  if (evals.length === 0) return { points: [] };
  const top = Math.max(...evals.map((e) => e.resource));
  const points: BestPoint[] = [];
  let best: Evaluation | undefined;
  evals.forEach((e, index) => {
    if (e.resource !== top) return;
    if (!best || orient(goal, e.value) > orient(goal, best.value)) {
      best = e;
      points.push({ at: e.at, index, value: e.value, trialId: e.trialId });
    }
  });
  return { resource: top, points };
}

/** The trials ranked as the study ranks them: trained furthest first, then by objective. */
export function rankTrials<T extends TrialLike>(goal: 'maximize' | 'minimize', trials: T[]): T[] {
  return trials
    .filter((t) => isNumber(t.value))
    .sort((a, b) => b.resource - a.resource || orient(goal, b.value!) - orient(goal, a.value!) || a.number - b.number);
}

/**
 * The rows parameter importance should use: values measured at one resource (comparable), the
 * largest resource with at least `minRows` values, else the resource with the most values.
 */
export function importanceRows(
  evals: Evaluation[],
  trials: TrialLike[],
  minRows = 8,
): { resource?: number; rows: { params: TrialLike['params']; value: number }[] } {
  const byResource = new Map<number, Evaluation[]>();
  for (const e of evals) byResource.set(e.resource, [...(byResource.get(e.resource) ?? []), e]);
  if (byResource.size === 0) return { rows: [] };
  const levels = [...byResource.keys()].sort((a, b) => b - a);
  const resource =
    levels.find((r) => byResource.get(r)!.length >= minRows) ??
    levels.reduce((best, r) => (byResource.get(r)!.length > byResource.get(best)!.length ? r : best), levels[0]);
  const params = new Map(trials.map((t) => [t.trialId, t.params]));
  return { resource, rows: byResource.get(resource)!.map((e) => ({ params: params.get(e.trialId) ?? {}, value: e.value })) };
}
