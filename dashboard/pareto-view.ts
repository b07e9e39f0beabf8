import type { ParetoPoint, ParetoReport } from '../shared/analysis/pareto.js';
import { escapeHtml } from './tables.js';
import { formatNumber } from './chart-options.js';

/**
 * The Pareto view of a multi-objective study (`spec.objectives`, 2-4 entries), drawn from
 * `GET /studies/{id}/pareto` (shared/analysis/pareto.ts) by the dashboard and `rung report`.
 */
export type { ParetoPoint, ParetoReport };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- ECharts options are deeply nested and loosely typed by ECharts itself
type Option = Record<string, any>;

interface ObjectiveLike {
  metric: string;
  goal: 'maximize' | 'minimize';
}

/** The study's objectives: `spec.objectives` when it has them, else the one `objective`. */
export function objectivesOf(spec: { objective: ObjectiveLike; objectives?: ObjectiveLike[] }): ObjectiveLike[] {
  return spec.objectives?.length ? spec.objectives : [spec.objective];
}

/** Whether the study has a front to show (two objectives or more). */
export function isMultiObjective(spec: { objective: ObjectiveLike; objectives?: ObjectiveLike[] }): boolean {
  return objectivesOf(spec).length >= 2;
}

const axisName = (o: ObjectiveLike) => `${o.metric} (${o.goal === 'maximize' ? 'max' : 'min'})`;

/**
 * The first two objectives as a scatter: the front highlighted and joined as the staircase that
 * bounds what it dominates, dominated and infeasible trials dimmed, the hypervolume in the title.
 * Each point carries its trial id (third value) so that a click can select the trial.
 */
export function paretoOption(p: ParetoReport): Option {
  const [ox, oy] = p.objectives;
  const point = (q: ParetoPoint) => ({ value: [q.values[ox.metric], q.values[oy.metric], q.trialId], name: `trial ${q.trialId}` });
  const front = [...p.front].sort((a, b) => a.values[ox.metric] - b.values[ox.metric]);
  const extra = p.objectives.length > 2 ? ` · first 2 of ${p.objectives.length} objectives` : '';
  return {
    animation: false,
    textStyle: { fontFamily: 'system-ui, sans-serif' },
    title: {
      text:
        p.hypervolume === undefined
          ? `front of ${p.front.length}${extra}`
          : `hypervolume ${formatNumber(p.hypervolume)} · front of ${p.front.length}${extra}`,
      left: 'center',
      top: 0,
      textStyle: { fontSize: 13, fontWeight: 'normal', color: '#334155' },
    },
    tooltip: { trigger: 'item' },
    legend: { top: 22, data: ['Pareto front', 'dominated', 'infeasible'] },
    grid: { left: 64, right: 28, top: 56, bottom: 44 },
    xAxis: { type: 'value', name: axisName(ox), nameLocation: 'middle', nameGap: 26, scale: true },
    yAxis: { type: 'value', name: axisName(oy), nameLocation: 'middle', nameGap: 46, scale: true },
    series: [
      {
        name: 'dominated',
        type: 'scatter',
        symbolSize: 7,
        itemStyle: { color: '#94a3b8', opacity: 0.55 },
        data: p.dominated.map(point),
        z: 2,
      },
      {
        name: 'infeasible',
        type: 'scatter',
        symbol: 'diamond',
        symbolSize: 8,
        itemStyle: { color: '#7c3aed', opacity: 0.35 },
        data: p.infeasible.map(point),
        z: 2,
      },
      {
        // The boundary of what the front dominates: horizontal first when x is minimized
        // (moving right costs nothing until the next point), vertical first when it is maximized.
        name: 'front line',
        type: 'line',
        step: ox.goal === 'minimize' ? 'end' : 'start',
        symbol: 'none',
        silent: true,
        lineStyle: { color: '#2563eb', width: 2 },
        data: front.map((q) => [q.values[ox.metric], q.values[oy.metric]]),
        z: 3,
      },
      {
        name: 'Pareto front',
        type: 'scatter',
        symbolSize: 11,
        itemStyle: { color: '#2563eb', borderColor: '#1e3a8a', borderWidth: 1 },
        data: front.map(point),
        z: 4,
      },
    ],
  };
}

/** The front's trials with every objective (all of them, not only the two drawn). */
export function paretoTable(p: ParetoReport): string {
  if (p.front.length === 0) return '<p class="empty">No trial has reported every objective yet.</p>';
  const head = p.objectives.map((o) => `<th>${escapeHtml(axisName(o))}</th>`).join('');
  const rows = p.front.map(
    (q) =>
      `<tr data-trial-id="${escapeHtml(q.trialId)}"><td>${escapeHtml(q.trialId)}</td>${p.objectives.map((o) => `<td>${escapeHtml(formatNumber(q.values[o.metric]))}</td>`).join('')}</tr>`,
  );
  const reference = p.objectives.map((o) => `${escapeHtml(o.metric)} ${escapeHtml(formatNumber(p.reference[o.metric] ?? NaN))}`).join(', ');
  return `<table class="pareto"><thead><tr><th>trial</th>${head}</tr></thead><tbody>${rows.join('')}</tbody></table><p class="note">${p.front.length} on the front, ${p.dominated.length} dominated, ${p.infeasible.length} infeasible; hypervolume against the reference point (${reference}).</p>`;
}
