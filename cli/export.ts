import type { StudyData } from './report.js';

/**
 * `rung export`: a study's trials as CSV (one row per trial, a column per parameter) or as JSON
 * lines (one trial per line with its measurements).
 */
const columns = ['trialId', 'number', 'state', 'bracket', 'rung', 'resource', 'value', 'startedAt', 'endedAt', 'error'] as const;

function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function trialsCsv(data: StudyData): string {
  const params = Object.keys(data.study.spec.parameters);
  const head = [...columns, ...params.map((p) => `params.${p}`)];
  const rows = data.trials.map((t) => {
    const record = t as unknown as Record<string, unknown>;
    return [...columns.map((c) => csvCell(record[c])), ...params.map((p) => csvCell(t.params[p]))].join(',');
  });
  return `${[head.map(csvCell).join(','), ...rows].join('\n')}\n`;
}

export function trialsJsonl(data: StudyData): string {
  return data.trials.map((t) => JSON.stringify({ studyId: data.study.studyId, ...t, measurements: data.measurements[t.trialId] ?? [] })).join('\n') + (data.trials.length ? '\n' : '');
}
