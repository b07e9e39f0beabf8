import Table from 'cli-table3';
import type { Params } from '../shared/space/schema.js';

export function formatValue(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(4);
  return String(v);
}

export function formatParams(params: Params): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${formatValue(v)}`)
    .join(' ');
}

export interface TrialRow {
  trialId: string;
  state: string;
  bracket: number;
  rung: number;
  resource: number;
  value?: number;
  params: Params;
}

export function trialsTable(trials: TrialRow[], metric: string): string {
  const table = new Table({ head: ['trial', 'state', 'bracket', 'rung', 'resource', metric, 'parameters'], style: { head: [] } });
  for (const t of trials) {
    table.push([t.trialId, t.state, t.bracket, t.rung, formatValue(t.resource), t.value === undefined ? '-' : formatValue(t.value), formatParams(t.params)]);
  }
  return table.toString();
}

export function studiesTable(studies: { studyId: string; name: string; state: string; createdAt: string; best?: { value: number } }[]): string {
  const table = new Table({ head: ['study', 'name', 'state', 'created', 'best'], style: { head: [] } });
  for (const s of studies) table.push([s.studyId, s.name, s.state, s.createdAt, s.best ? formatValue(s.best.value) : '-']);
  return table.toString();
}

export function importanceText(e: {
  resource?: number;
  n: number;
  parameters: { name: string; importance: number; share: number; effects?: { value: unknown; mean: number; count: number }[] }[];
}): string {
  const table = new Table({ head: ['parameter', 'importance', 'share', 'best choices (mean objective, trials)'], style: { head: [] } });
  for (const p of e.parameters) {
    const effects = (p.effects ?? []).slice(0, 3).map((x) => `${String(x.value)} ${formatValue(x.mean)} (${x.count})`).join(', ');
    table.push([p.name, formatValue(p.importance), `${Math.round(p.share * 100)}%`, effects]);
  }
  return `${e.n} results${e.resource === undefined ? '' : ` at resource ${e.resource}`}; first-order ANOVA (omega squared)\n${table.toString()}`;
}

