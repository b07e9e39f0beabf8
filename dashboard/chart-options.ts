import type { StudyAnalysis } from './study-data.js';

/**
 * ECharts options for each view of a study, shared by the dashboard (browser) and `rung report`
 * (server-side SVG). Pure: data in, option out.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- ECharts options are deeply nested and loosely typed by ECharts itself
type Option = Record<string, any>;

const palette = ['#2563eb', '#16a34a', '#d97706', '#9333ea', '#0891b2', '#dc2626', '#4d7c0f', '#db2777'];
const stateColor: Record<string, string> = {
  RUNNING: '#2563eb',
  WAITING: '#94a3b8',
  PAUSED: '#d97706',
  COMPLETE: '#16a34a',
  PRUNED: '#a1a1aa',
  FAILED: '#dc2626',
  INFEASIBLE: '#7c3aed',
};
const base = { animation: false, color: palette, textStyle: { fontFamily: 'system-ui, sans-serif' } };
const fmt = (v: number) =>
  Number.isInteger(v) ? String(v) : Math.abs(v) >= 1000 || Math.abs(v) < 0.01 ? v.toExponential(2) : v.toPrecision(3);

/** Objective of every evaluation over time (one series per resource), and the best so far at the largest resource. */
export function historyOption(a: StudyAnalysis): Option {
  const { metric } = a.study.spec.objective;
  const unit = a.study.spec.strategy.scheduler.resource;
  const timed = a.evaluations.length > 0 && a.evaluations.every((e) => e.at);
  const x = (e: { at?: string }, i: number) => (timed ? e.at : i);
  const resources = [...new Set(a.evaluations.map((e) => e.resource))].sort((p, q) => p - q);
  const series: Option[] = resources.map((r) => ({
    name: `${metric} at ${fmt(r)} ${unit}`,
    type: 'scatter',
    symbolSize: 7,
    data: a.evaluations.flatMap((e, i) => (e.resource === r ? [[x(e, i), e.value, e.trialId]] : [])),
  }));
  const last = a.best.points.at(-1);
  const bestData = a.best.points.map((p) => [timed ? p.at : p.index, p.value, p.trialId]);
  if (last && a.evaluations.length > 0) bestData.push([x(a.evaluations.at(-1)!, a.evaluations.length - 1), last.value, last.trialId]);
  series.push({
    name: `best so far (${fmt(a.best.resource ?? 0)} ${unit})`,
    type: 'line',
    step: 'end',
    symbol: 'none',
    lineStyle: { width: 2, color: '#111827' },
    itemStyle: { color: '#111827' },
    data: bestData,
  });
  return {
    ...base,
    tooltip: { trigger: 'item' },
    legend: { top: 0, type: 'scroll' },
    grid: { left: 64, right: 24, top: 40, bottom: 40 },
    xAxis: timed ? { type: 'time', axisLabel: { hideOverlap: true } } : { type: 'value', name: 'evaluation', minInterval: 1 },
    yAxis: { type: 'value', name: metric, scale: true, nameLocation: 'middle', nameGap: 46 },
    series,
  };
}

/** Each trial's objective against the resource; rung boundaries as vertical lines; promotions marked. */
export function curvesOption(a: StudyAnalysis): Option {
  const { metric } = a.study.spec.objective;
  const unit = a.study.spec.strategy.scheduler.resource;
  const withPoints = a.curves.filter((c) => c.points.length > 0);
  const series: Option[] = withPoints.map((c, i) => {
    const faded = c.state === 'PRUNED' || c.state === 'FAILED' || c.state === 'INFEASIBLE';
    return {
      name: `trial ${c.trialId}`,
      type: 'line',
      showSymbol: c.points.length === 1,
      symbolSize: 4,
      lineStyle: { width: faded ? 1 : 1.8, opacity: faded ? 0.45 : 0.95, color: faded ? '#a1a1aa' : palette[i % palette.length] },
      itemStyle: { color: faded ? '#a1a1aa' : palette[i % palette.length] },
      data: c.points,
      z: faded ? 1 : 2,
    };
  });
  series.push({
    name: 'rung boundary',
    type: 'line',
    data: [],
    markLine: {
      symbol: 'none',
      silent: true,
      lineStyle: { type: 'dashed', color: '#64748b' },
      label: { formatter: (p: { value: number }) => `${fmt(p.value)} ${unit}`, position: 'end' },
      data: a.boundaries.map((b) => ({ xAxis: b })),
    },
  });
  series.push({
    name: 'promoted',
    type: 'scatter',
    symbol: 'triangle',
    symbolSize: 11,
    itemStyle: { color: '#111827' },
    data: a.promotions.map((p) => [p.resource, p.value, p.trialId]),
    z: 5,
  });
  return {
    ...base,
    tooltip: { trigger: 'item' },
    legend: { top: 0, data: ['promoted', 'rung boundary'] },
    grid: { left: 64, right: 50, top: 40, bottom: 44 },
    xAxis: {
      type: 'value',
      name: unit,
      nameLocation: 'middle',
      nameGap: 26,
      min: 0,
      max: Math.max(...a.boundaries, ...withPoints.flatMap((c) => c.points.map((p) => p[0])), 1),
    },
    yAxis: { type: 'value', name: metric, scale: true, nameLocation: 'middle', nameGap: 46 },
    series,
  };
}

/** The trials' jobs over time, one row per trial, coloured by the trial's state. */
export function timelineOption(a: StudyAnalysis): Option {
  const ids = [...new Set(a.timeline.map((s) => s.trialId))].sort((p, q) => Number(p) - Number(q));
  const row = new Map(ids.map((id, i) => [id, i]));
  return {
    ...base,
    tooltip: { trigger: 'item' },
    grid: { left: 64, right: 24, top: 20, bottom: 40 },
    xAxis: { type: 'time', axisLabel: { hideOverlap: true } },
    yAxis: {
      type: 'category',
      name: 'trial',
      nameLocation: 'middle',
      nameGap: 40,
      data: ids,
      inverse: true,
      axisLabel: { interval: ids.length > 40 ? 'auto' : 0, fontSize: 10 },
    },
    series: [
      {
        name: 'jobs',
        type: 'custom',
        encode: { x: [1, 2], y: 0 },
        data: a.timeline.map((s) => ({
          value: [row.get(s.trialId), s.start, s.end, s.trialId],
          itemStyle: { color: stateColor[s.state] ?? '#64748b' },
          name: `trial ${s.trialId} ${s.state}`,
        })),
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- ECharts' custom-series callback types are not exported by the tree-shaken entry
        renderItem: (params: any, api: any) => {
          const y = api.value(0);
          const start = api.coord([api.value(1), y]);
          const end = api.coord([api.value(2), y]);
          const height = Math.max(2, api.size([0, 1])[1] * 0.7);
          return {
            type: 'rect',
            shape: { x: start[0], y: start[1] - height / 2, width: Math.max(2, end[0] - start[0]), height },
            style: api.style(),
          };
        },
      },
    ],
  };
}

/** One line per trial with a value across every parameter and the objective. */
export function parallelOption(a: StudyAnalysis): Option {
  const { metric, goal } = a.study.spec.objective;
  const names = Object.keys(a.study.spec.parameters);
  const rows = a.trials.filter((t) => typeof t.value === 'number');
  const axes = names.map((name, dim) => {
    const p = a.study.spec.parameters[name];
    if (p.type === 'categorical' || p.type === 'ordinal') return { dim, name, type: 'category', data: p.values.map(String) };
    // An architecture parameter (docs/spaces.md): its composed value, one category per distinct architecture.
    if (p.type !== 'float' && p.type !== 'int')
      return { dim, name, type: 'category', data: [...new Set(rows.map((t) => String(t.params[name])))] };
    return { dim, name, type: p.scale === 'log' ? 'log' : 'value', min: p.min, max: p.max };
  });
  const values = rows.map((t) => t.value!);
  axes.push({ dim: names.length, name: metric, type: 'value', min: undefined as never, max: undefined as never });
  return {
    ...base,
    tooltip: { trigger: 'item' },
    parallelAxis: axes,
    parallel: { left: 60, right: 80, top: 40, bottom: 30 },
    visualMap: values.length
      ? {
          type: 'continuous',
          dimension: names.length,
          min: Math.min(...values),
          max: Math.max(...values),
          inRange: { color: goal === 'maximize' ? ['#cbd5e1', '#1d4ed8'] : ['#1d4ed8', '#cbd5e1'] },
          right: 0,
          top: 'middle',
          calculable: false,
          itemHeight: 120,
        }
      : undefined,
    series: [
      {
        name: 'trials',
        type: 'parallel',
        lineStyle: { width: 1.5, opacity: 0.7 },
        data: rows.map((t) => [
          ...names.map((n) => (n in t.params ? (typeof t.params[n] === 'number' ? t.params[n] : String(t.params[n])) : '-')),
          t.value,
        ]),
      },
    ],
  };
}

/** Share of the objective's variance each parameter's marginal explains (importance.ts). */
export function importanceOption(a: StudyAnalysis): Option {
  const items = [...a.importance.parameters].reverse();
  return {
    ...base,
    tooltip: { trigger: 'item' },
    grid: { left: 110, right: 40, top: 10, bottom: 30 },
    xAxis: { type: 'value', name: 'ω²', min: 0, max: (v: { max: number }) => Math.max(0.05, Math.ceil(v.max * 10) / 10) },
    yAxis: { type: 'category', data: items.map((p) => p.name) },
    series: [
      {
        name: 'importance',
        type: 'bar',
        data: items.map((p) => Number(p.importance.toFixed(4))),
        itemStyle: { color: '#2563eb' },
        label: { show: true, position: 'right', formatter: (p: { value: number }) => p.value.toFixed(2) },
      },
    ],
  };
}

export const views = [
  { id: 'history', title: 'Optimization history', option: historyOption, count: (a: StudyAnalysis) => a.evaluations.length },
  {
    id: 'curves',
    title: 'Learning curves',
    option: curvesOption,
    count: (a: StudyAnalysis) => a.curves.filter((c) => c.points.length > 0).length,
  },
  { id: 'timeline', title: 'Timeline of trials', option: timelineOption, count: (a: StudyAnalysis) => a.timeline.length },
  {
    id: 'parallel',
    title: 'Parallel coordinates',
    option: parallelOption,
    count: (a: StudyAnalysis) => a.trials.filter((t) => typeof t.value === 'number').length,
  },
  {
    id: 'importance',
    title: 'Parameter importance',
    option: importanceOption,
    count: (a: StudyAnalysis) => a.importance.parameters.length,
  },
] as const;

export { fmt as formatNumber, stateColor };
