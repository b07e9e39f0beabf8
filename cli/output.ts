import Table from 'cli-table3';
import type { Params } from '../shared/space/schema.js';

/** Plain text (no colour codes) and compact: a rule under the header only, one line per row. */
const style = { head: [], border: [], compact: true };

/** `1 trial`, `2 trials`: a count with its noun, singular for one. */
export function plural(n: number, noun: string, nouns = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : nouns}`;
}

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
  phase?: string;
  source?: string;
  rung: number;
  resource: number;
  value?: number;
  params: Params;
}

export function trialsTable(trials: TrialRow[], metric: string): string {
  const table = new Table({
    head: ['trial', 'state', 'bracket', 'rung', 'resource', metric, 'parameters'],
    style,
  });
  for (const t of trials) {
    // A retraining trial shows where its candidate came from instead of a bracket number.
    const bracket = t.phase === 'retrain' ? `retrain of ${t.source}` : t.bracket;
    table.push([
      t.trialId,
      t.state,
      bracket,
      t.rung,
      formatValue(t.resource),
      t.value === undefined ? '-' : formatValue(t.value),
      formatParams(t.params),
    ]);
  }
  return table.toString();
}

export function studiesTable(
  studies: { studyId: string; name: string; state: string; createdAt: string; best?: { value: number } }[],
): string {
  const table = new Table({ head: ['study', 'name', 'state', 'created', 'best'], style });
  for (const s of studies) table.push([s.studyId, s.name, s.state, s.createdAt, s.best ? formatValue(s.best.value) : '-']);
  return table.toString();
}

export function importanceText(e: {
  resource?: number;
  n: number;
  parameters: { name: string; importance: number; share: number; effects?: { value: unknown; mean: number; count: number }[] }[];
}): string {
  const table = new Table({
    head: ['parameter', 'importance', 'share', 'best choices (mean objective, trials)'],
    style,
  });
  for (const p of e.parameters) {
    const effects = (p.effects ?? [])
      .slice(0, 3)
      .map((x) => `${String(x.value)} ${formatValue(x.mean)} (${x.count})`)
      .join(', ');
    table.push([p.name, formatValue(p.importance), `${Math.round(p.share * 100)}%`, effects]);
  }
  return `${plural(e.n, 'result')}${e.resource === undefined ? '' : ` at resource ${e.resource}`}; first-order ANOVA (omega squared)\n${table.toString()}`;
}

/** `rung pareto`: the front (then the dominated and infeasible trials) with each objective's value. */
export function paretoText(r: {
  objectives: { metric: string; goal: string }[];
  reference: Record<string, number>;
  hypervolume?: number;
  front: { trialId: string; params: Params; values: Record<string, number> }[];
  dominated: { trialId: string; params: Params; values: Record<string, number> }[];
  infeasible: { trialId: string; params: Params; values: Record<string, number> }[];
}): string {
  const arrow = (goal: string) => (goal === 'maximize' ? '↑' : '↓');
  const table = new Table({
    head: ['trial', 'set', ...r.objectives.map((o) => `${o.metric} ${arrow(o.goal)}`), 'parameters'],
    style,
  });
  const rows = (set: string, points: typeof r.front) => {
    for (const p of points)
      table.push([p.trialId, set, ...r.objectives.map((o) => formatValue(p.values[o.metric])), formatParams(p.params)]);
  };
  rows('front', r.front);
  rows('dominated', r.dominated);
  rows('infeasible', r.infeasible);
  const reference = r.objectives
    .filter((o) => r.reference[o.metric] !== undefined)
    .map((o) => `${o.metric}=${formatValue(r.reference[o.metric])}`);
  const summary = [
    `${r.front.length} on the front, ${r.dominated.length} dominated, ${r.infeasible.length} infeasible`,
    ...(r.hypervolume === undefined ? [] : [`hypervolume ${formatValue(r.hypervolume)} (reference ${reference.join(' ')})`]),
  ];
  return `${summary.join('; ')}\n${table.toString()}`;
}
