import { NotFoundError } from '../errors.js';
import { hypervolume } from '../objectives/hypervolume.js';
import { paretoFront } from '../objectives/pareto.js';
import type { Params } from '../space/schema.js';
import { readAll, type StudyStore } from '../store/port.js';
import { orient } from '../study/best.js';
import { objectivesOfSpec } from '../study/objectives.js';
import type { Study, Trial, TrialState } from '../study/types.js';

/** One trial on the objectives' axes. */
export interface ParetoPoint {
  trialId: string;
  number: number;
  params: Params;
  /** The trial's value of each objective, by metric name (as reported, not oriented). */
  values: Record<string, number>;
}

/** `GET /studies/{id}/pareto`. */
export interface ParetoReport {
  objectives: { metric: string; goal: 'maximize' | 'minimize' }[];
  /** The hypervolume's reference point, by metric (see {@link referencePoint}). */
  reference: Record<string, number>;
  /** Volume dominated by the front and dominating the reference (objectives oriented larger-is-better); 2+ objectives only. */
  hypervolume?: number;
  /** Non-dominated feasible trials, best first on the first objective. */
  front: ParetoPoint[];
  /** Feasible trials that some front trial dominates, by number. */
  dominated: ParetoPoint[];
  /** Finished trials that violated a constraint (at any budget), by number. */
  infeasible: ParetoPoint[];
}

type SpecView = Pick<Study['spec'], 'objective' | 'objectives'>;
type TrialView = Pick<Trial, 'trialId' | 'number' | 'params' | 'state' | 'resource' | 'value' | 'metrics' | 'feasible'> &
  Partial<Pick<Trial, 'phase'>>;

const finished: readonly TrialState[] = ['COMPLETE', 'PRUNED', 'INFEASIBLE'];

/**
 * The study's Pareto front, a pure function of its spec and trials. Only finished search trials
 * with every objective measured count (a retraining trial is a separate answer, not on the
 * search's front). The front and the dominated trials are the feasible ones trained furthest: as
 * for the best trial, a result after 1 epoch is not comparable with one after 27. Every trial that
 * violated a constraint is listed apart, whatever its budget, and is never on the front. With one
 * objective the front is the best trial (ties included) and there is no hypervolume.
 */
export function paretoOf(spec: SpecView, trials: readonly TrialView[]): ParetoReport {
  const objectives = objectivesOfSpec(spec).map(({ metric, goal }) => ({ metric, goal }));
  const measured = trials.flatMap((t) => {
    if (!finished.includes(t.state) || t.phase !== undefined) return [];
    const values = valuesOf(objectives, t);
    return values ? [{ trial: t, values }] : [];
  });
  // An ask/tell worker may end a trial INFEASIBLE itself, without constraints in the spec.
  const isInfeasible = (t: TrialView) => t.feasible === false || t.state === 'INFEASIBLE';
  // A violation does not depend on the budget: every violator is listed, pruned early or not.
  const infeasible = measured.filter((m) => isInfeasible(m.trial));
  const candidates = measured.filter((m) => !isInfeasible(m.trial));
  const top = Math.max(-Infinity, ...candidates.map((m) => m.trial.resource));
  const feasible = candidates.filter((m) => m.trial.resource === top);
  const point = (m: (typeof measured)[number]): ParetoPoint => ({
    trialId: m.trial.trialId,
    number: m.trial.number,
    params: m.trial.params,
    values: m.values,
  });
  const oriented = (values: Record<string, number>) => objectives.map((o) => orient(o.goal, values[o.metric]));

  const vectors = feasible.map((m) => oriented(m.values));
  const onFront = new Set(paretoFront(vectors));
  const front = feasible.filter((_, i) => onFront.has(i));
  const dominated = feasible.filter((_, i) => !onFront.has(i));
  const first = objectives[0];
  front.sort(
    (a, b) => orient(first.goal, b.values[first.metric]) - orient(first.goal, a.values[first.metric]) || a.trial.number - b.trial.number,
  );

  const reference = referencePoint(spec, feasible.length > 0 ? feasible.map((m) => m.values) : infeasible.map((m) => m.values));
  const report: ParetoReport = {
    objectives,
    reference,
    front: front.map(point),
    dominated: dominated.sort(byNumber).map(point),
    infeasible: infeasible.sort(byNumber).map(point),
  };
  if (objectives.length > 1 && objectives.every((o) => reference[o.metric] !== undefined)) {
    report.hypervolume = hypervolume(
      front.map((m) => oriented(m.values)),
      oriented(reference),
    );
  }
  return report;
}

const byNumber = (a: { trial: { number: number } }, b: { trial: { number: number } }) => a.trial.number - b.trial.number;

function valuesOf(objectives: { metric: string }[], t: TrialView): Record<string, number> | undefined {
  const values: Record<string, number> = {};
  for (const [i, o] of objectives.entries()) {
    // The primary objective is the trial's value; the others come from its tracked metrics.
    const v = i === 0 ? t.value : t.metrics?.[o.metric];
    if (v === undefined || !Number.isFinite(v)) return undefined;
    values[o.metric] = v;
  }
  return values;
}

/**
 * The hypervolume's reference point: an objective's `reference` when the spec gives one, else
 * its worst value among `values` pushed out by 10% of their range (10% of the value itself when
 * all are equal, 1 when that is 0), so that the extreme points of the front still add volume.
 * Empty for an objective with no values and no given reference.
 */
export function referencePoint(spec: SpecView, values: readonly Record<string, number>[]): Record<string, number> {
  const reference: Record<string, number> = {};
  for (const o of objectivesOfSpec(spec)) {
    if (o.reference !== undefined) {
      reference[o.metric] = o.reference;
      continue;
    }
    const xs = values.map((v) => v[o.metric]);
    if (xs.length === 0) continue;
    const lo = Math.min(...xs);
    const hi = Math.max(...xs);
    const worst = o.goal === 'maximize' ? lo : hi;
    const margin = 0.1 * (hi > lo ? hi - lo : Math.abs(worst) || 10);
    reference[o.metric] = o.goal === 'maximize' ? worst - margin : worst + margin;
  }
  return reference;
}

/** The Pareto report of one study of the team (NotFoundError for another team's study). */
export async function studyPareto(store: StudyStore, team: string, studyId: string): Promise<ParetoReport> {
  const study = await store.getStudy(team, studyId);
  if (!study) throw new NotFoundError(`study ${studyId} not found`);
  const trials = await readAll((p) => store.listTrials(team, studyId, p));
  return paretoOf(study.spec, trials);
}
