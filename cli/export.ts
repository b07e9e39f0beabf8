import { trackedMetrics } from '../shared/study/objectives.js';
import type { StudyData } from './report.js';

/**
 * `rung export`: a study's trials as CSV (one row per trial, a column per parameter) or as JSON
 * lines (one trial per line, every field it has, with its measurements).
 */
const columns = ['trialId', 'number', 'state', 'bracket', 'rung', 'resource', 'value', 'startedAt', 'endedAt', 'error'] as const;

function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Columns beyond the fixed ones appear only where the study has them, so that a plain study's CSV
 * stays as it was: `phase` and `source` with a retraining phase, a `metrics.<name>` column per
 * tracked metric (objectives, constraint metrics, trial.metrics) and `feasible` for a study that
 * tracks metrics, then a `params.<name>` column per parameter.
 */
export function trialsCsv(data: StudyData): string {
  const spec = data.study.spec;
  const params = Object.keys(spec.parameters);
  const retrains = spec.retrain !== undefined || data.trials.some((t) => t.phase === 'retrain');
  const metrics = trackedMetrics(spec);
  const head = [
    ...columns,
    ...(retrains ? ['phase', 'source'] : []),
    ...metrics.map((m) => `metrics.${m}`),
    ...(metrics.length > 0 ? ['feasible'] : []),
    ...params.map((p) => `params.${p}`),
  ];
  const rows = data.trials.map((t) => {
    // The API's trial carries metrics and feasibility, which the dashboard's trial type leaves out.
    const record = t as unknown as Record<string, unknown> & { metrics?: Record<string, number>; feasible?: boolean };
    return [
      ...columns.map((c) => csvCell(record[c])),
      // A search trial has no phase; "search" rather than empty, so that grouping by phase keeps its rows.
      ...(retrains ? [csvCell(t.phase ?? 'search'), csvCell(t.source)] : []),
      ...metrics.map((m) => csvCell(record.metrics?.[m])),
      ...(metrics.length > 0 ? [csvCell(record.feasible)] : []),
      ...params.map((p) => csvCell(t.params[p])),
    ].join(',');
  });
  return `${[head.map(csvCell).join(','), ...rows].join('\n')}\n`;
}

/** Every field of each trial as the API gives it (metrics, feasible, violation, phase, source included). */
export function trialsJsonl(data: StudyData): string {
  return (
    data.trials
      .map((t) => JSON.stringify({ studyId: data.study.studyId, ...t, measurements: data.measurements[t.trialId] ?? [] }))
      .join('\n') + (data.trials.length ? '\n' : '')
  );
}
