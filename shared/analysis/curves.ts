import { rungResource } from '../study/ladder.js';
import type { MeasurementsByTrial, StudyLike, TrialLike } from './evaluations.js';

export interface LearningCurve {
  trialId: string;
  state: string;
  /** [step, objective] in step order. */
  points: [number, number][];
}

/** Each trial's objective against its resource, from its measurements. */
export function learningCurves(study: StudyLike, trials: TrialLike[], measurements: MeasurementsByTrial): LearningCurve[] {
  const metric = study.spec.objective.metric;
  return trials.map((t) => ({
    trialId: t.trialId,
    state: t.state,
    points: (measurements[t.trialId] ?? [])
      .filter((m) => typeof m.metrics[metric] === 'number' && Number.isFinite(m.metrics[metric]))
      .map((m): [number, number] => [m.step, m.metrics[metric]])
      .sort((a, b) => a[0] - b[0]),
  }));
}

export interface Promotion {
  trialId: string;
  /** The rung the trial finished and was promoted from. */
  rung: number;
  resource: number;
  value: number;
}

/** Where trials went on past a rung: a rung result followed by more training. */
export function promotions(study: StudyLike, trials: TrialLike[]): Promotion[] {
  const out: Promotion[] = [];
  for (const t of trials) {
    t.rungValues.forEach((value, rung) => {
      const resource = rungResource(study, t, rung);
      if (typeof value !== 'number' || resource === undefined) return;
      if (t.rung > rung || t.resource > resource) out.push({ trialId: t.trialId, rung, resource, value });
    });
  }
  return out;
}

export interface TimelineSegment {
  trialId: string;
  state: string;
  /** Epoch milliseconds. */
  start: number;
  end: number;
  /** Still running: `end` is now. */
  open: boolean;
}

/**
 * The trials' jobs over time: each recorded job (`trial.jobs`) when there are, else one span from
 * the trial's start to its end (or to `now` while it runs).
 */
export function timeline(trials: TrialLike[], now: number): TimelineSegment[] {
  const out: TimelineSegment[] = [];
  for (const t of trials) {
    const jobs = t.jobs?.length
      ? t.jobs
      : t.startedAt
        ? [{ startedAt: t.startedAt, endedAt: t.endedAt ?? (t.state === 'RUNNING' ? undefined : t.updatedAt) }]
        : [];
    for (const j of jobs) {
      if ('neverRan' in j && j.neverRan) continue; // a stranded lane claim: no job ran (shared/study/lanes.ts)
      const start = Date.parse(j.startedAt);
      if (!Number.isFinite(start)) continue;
      const endAt = j.endedAt ? Date.parse(j.endedAt) : NaN;
      const open = !Number.isFinite(endAt);
      out.push({ trialId: t.trialId, state: t.state, start, end: open ? Math.max(start, now) : Math.max(start, endAt), open });
    }
  }
  return out.sort((a, b) => a.start - b.start || Number(a.trialId) - Number(b.trialId));
}
