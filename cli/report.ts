import { views } from '../dashboard/chart-options.js';
import { echarts } from '../dashboard/echarts-setup.js';
import { analyzeStudy, type StudyAnalysis, type StudyView, type TrialView } from '../dashboard/study-data.js';
import { bestTrialsTable, escapeHtml, importanceTable, summaryHtml } from '../dashboard/tables.js';
import { isMultiObjective, objectivesOf, paretoOption, paretoTable, type ParetoReport } from '../dashboard/pareto-view.js';
import { architectureOption, trialArchitectures } from '../dashboard/architecture-view.js';
import type { MeasurementLike } from '../shared/analysis/evaluations.js';
import type { ApiConnection } from './connection.js';

/** Everything `rung report` and `rung export` need about a study, read through the API. */
export interface StudyData {
  study: StudyView;
  trials: TrialView[];
  measurements: Record<string, MeasurementLike[]>;
  /** The front over the objectives, for a study with 2 or more (`GET /studies/{id}/pareto`). */
  pareto?: ParetoReport;
}

async function ok(api: ApiConnection, route: string) {
  const res = await api.request('GET', route);
  if (res.status !== 200) throw new Error(res.body.error?.message ?? `HTTP ${res.status}`);
  return res.body;
}

export async function loadStudyData(api: ApiConnection, studyId: string): Promise<StudyData> {
  const base = `/studies/${encodeURIComponent(studyId)}`;
  const study = (await ok(api, base)) as StudyView;
  const trials: TrialView[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ok(api, `${base}/trials?limit=100${nextToken ? `&nextToken=${encodeURIComponent(nextToken)}` : ''}`);
    trials.push(...page.items);
    nextToken = page.nextToken;
  } while (nextToken);
  const measurements: Record<string, MeasurementLike[]> = {};
  for (const t of trials) measurements[t.trialId] = (await ok(api, `${base}/trials/${encodeURIComponent(t.trialId)}`)).measurements;
  const pareto = isMultiObjective(study.spec) ? ((await ok(api, `${base}/pareto`)) as ParetoReport) : undefined;
  return { study, trials, measurements, ...(pareto ? { pareto } : {}) };
}

/** One chart as an SVG string (ECharts server-side rendering: no browser, no canvas). */
export function chartSvg(option: object, width = 660, height = 340): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ ...option, animation: false });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

const css = `body{font:14px/1.45 system-ui,sans-serif;color:#111827;margin:24px auto;max-width:1400px;padding:0 20px}
h1{font-size:22px}h2{font-size:15px;margin:0 0 8px;color:#334155}
section{border:1px solid #e5e7eb;border-radius:8px;padding:12px 14px;margin-bottom:14px;break-inside:avoid}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(680px,1fr));gap:14px}.grid section{margin:0}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #e5e7eb}th{color:#6b7280}
td.params{font-family:ui-monospace,monospace;font-size:12px}.summary{display:flex;flex-wrap:wrap;gap:10px 28px;margin:0}
.summary dt{color:#6b7280;font-size:12px}.summary dd{margin:0}.state{padding:0 6px;border-radius:4px;font-size:12px;background:#e2e8f0}
.note{color:#6b7280;font-size:12px}svg{max-width:100%;height:auto}`;

/** A self-contained HTML report: the dashboard's charts as inline SVG, the best trials and parameter importance. */
export function renderReport(a: StudyAnalysis, generatedAt: Date): string {
  const charts = views.map(
    (v) =>
      `<section id="view-${v.id}"><h2>${escapeHtml(v.title)}</h2>${chartSvg(v.option(a))}${v.id === 'importance' ? importanceTable(a) : ''}</section>`,
  );
  if (a.pareto)
    charts.push(`<section id="view-pareto"><h2>Pareto front</h2>${chartSvg(paretoOption(a.pareto))}${paretoTable(a.pareto)}</section>`);
  // The best trial's architecture, when the space has architecture parameters.
  const best = a.trials.find((t) => t.trialId === a.study.best?.trialId);
  const graphs = best ? trialArchitectures(a.study.spec.parameters, best.params) : [];
  if (graphs.length > 0)
    charts.push(
      `<section id="view-architecture"><h2>Architecture of the best trial (${escapeHtml(best!.trialId)})</h2>${graphs.map((g) => chartSvg(architectureOption(g), 660, 300)).join('')}</section>`,
    );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(a.study.name)} · rung report</title><style>${css}</style></head>
<body>
<h1>${escapeHtml(a.study.name)} <small>${escapeHtml(a.study.studyId)}</small></h1>
<p class="note">rung report generated ${escapeHtml(generatedAt.toISOString())}: ${objectivesOf(a.study.spec).length > 1 ? 'objectives' : 'objective'} ${objectivesOf(
    a.study.spec,
  )
    .map((o) => `${escapeHtml(o.metric)} (${escapeHtml(o.goal)})`)
    .join(', ')}.</p>
<section>${summaryHtml(a)}</section>
<section id="view-best"><h2>Best trials</h2>${bestTrialsTable(a, 20)}</section>
<div class="grid">${charts.join('\n')}</div>
</body></html>
`;
}

export function reportFor(data: StudyData, now = new Date()): string {
  return renderReport(analyzeStudy(data.study, data.trials, data.measurements, now.getTime(), data.pareto), now);
}
