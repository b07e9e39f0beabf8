import { echarts } from '../echarts-setup.js';
import { views } from '../chart-options.js';
import { analyzeStudy, type StudyAnalysis, type StudyView, type TrialView } from '../study-data.js';
import { bestTrialsTable, escapeHtml, importanceTable, studiesTable, summaryHtml } from '../tables.js';
import { isMultiObjective, paretoOption, paretoTable, type ParetoReport } from '../pareto-view.js';
import { architectureOption, trialArchitectures } from '../architecture-view.js';
import type { MeasurementLike } from '../../shared/analysis/evaluations.js';
import { adoptToken, apiClient, type Api } from './api.js';

/**
 * The rung dashboard: the study list and one page per study, drawn from the REST API with the
 * bearer token the page was opened with, refreshed by polling while a study runs.
 */
const pollMs = 2000;
const finished = new Set(['COMPLETED', 'STOPPED', 'FAILED']);
const root = document.getElementById('app')!;
let stopPage: (() => void) | undefined;

function setStatus(text: string, error = false) {
  const el = document.getElementById('status')!;
  el.textContent = text;
  el.classList.toggle('error', error);
}

async function listPage(api: Api) {
  root.innerHTML = `<h1>Studies</h1><section id="view-studies" class="panel"></section>`;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let live = true;
  const refresh = async () => {
    try {
      const page = await api.call<{ items: StudyView[] }>('GET', '/studies?limit=100');
      const el = document.getElementById('view-studies');
      if (!live || !el) return;
      el.innerHTML = studiesTable(page.items, (id) => `#/studies/${encodeURIComponent(id)}`);
      el.dataset.count = String(page.items.length);
      setStatus(`updated ${new Date().toLocaleTimeString()}`);
    } catch (e) {
      setStatus(`could not load studies: ${(e as Error).message}`, true);
    }
    if (live) timer = setTimeout(refresh, pollMs * 2);
  };
  await refresh();
  return () => {
    live = false;
    clearTimeout(timer);
  };
}

async function studyPage(api: Api, studyId: string) {
  const route = `/studies/${encodeURIComponent(studyId)}`;
  root.innerHTML = `
    <nav><a href="#/">Studies</a> › <span id="study-name">${escapeHtml(studyId)}</span></nav>
    <section id="view-summary" class="panel"></section>
    <form id="steer" class="panel">
      <label>parallelism <input name="parallelism" type="number" min="1" max="256"></label>
      <label>max trials <input name="maxTrials" type="number" min="1" max="10000"></label>
      <button type="submit">Apply</button>
      <button type="button" id="stop-study">Stop study</button>
      <span id="steer-message"></span>
    </form>
    <div class="grid">
      ${views
        .map(
          (v) =>
            `<section class="panel view" id="view-${v.id}"><h2>${escapeHtml(v.title)}</h2><div class="chart"></div>${v.id === 'importance' ? '<div class="table"></div>' : ''}</section>`,
        )
        .join('')}
      <section class="panel view" id="view-pareto" hidden><h2>Pareto front</h2><div class="chart"></div><div class="table"></div></section>
      <section class="panel view wide" id="view-best"><h2>Best trials</h2><div class="table"></div></section>
      <section class="panel view wide" id="view-architecture" hidden>
        <h2>Architecture of trial <span class="trial-id"></span> <label class="pick">show trial <select></select></label></h2>
        <p class="note">Click a trial in the tables or a point of the Pareto front to show its architecture.</p>
        <div class="graphs"></div>
      </section>
    </div>`;
  const charts = new Map(
    views.map((v) => [v.id, echarts.init(document.querySelector(`#view-${v.id} .chart`) as HTMLElement, undefined, { renderer: 'svg' })]),
  );
  // Created when first shown: a chart made in a hidden element has no size.
  let paretoChart: ReturnType<typeof echarts.init> | undefined;
  const graphCharts: ReturnType<typeof echarts.init>[] = [];
  const onResize = () => [...charts.values(), ...(paretoChart ? [paretoChart] : []), ...graphCharts].forEach((c) => c.resize());
  window.addEventListener('resize', onResize);

  const cache = new Map<string, { updatedAt?: string; measurements: MeasurementLike[] }>();
  let live = true;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let refreshes = 0;
  let formFilled = false;
  let latest: StudyAnalysis | undefined;
  // The trial whose architecture is drawn: the best one until the user picks another.
  let picked: string | undefined;

  function select(trialId: string | undefined) {
    if (!trialId || !latest) return;
    picked = trialId;
    drawArchitecture(latest);
  }
  const rowClicks = (event: Event) => select((event.target as HTMLElement).closest<HTMLElement>('tr[data-trial-id]')?.dataset.trialId);
  document.querySelector('#view-best .table')!.addEventListener('click', rowClicks);
  document.querySelector('#view-pareto .table')!.addEventListener('click', rowClicks);
  document
    .querySelector('#view-architecture select')!
    .addEventListener('change', (event) => select((event.target as HTMLSelectElement).value));

  function drawPareto(a: StudyAnalysis) {
    const section = document.getElementById('view-pareto') as HTMLElement;
    section.hidden = !a.pareto;
    if (!a.pareto) return;
    if (!paretoChart) {
      paretoChart = echarts.init(section.querySelector('.chart') as HTMLElement, undefined, { renderer: 'svg' });
      paretoChart.on('click', (p) => select((p.value as unknown[] | undefined)?.[2] as string | undefined));
    }
    paretoChart.setOption(paretoOption(a.pareto), { notMerge: true });
    const { front, dominated, infeasible, hypervolume } = a.pareto;
    Object.assign(section.dataset, {
      count: String(front.length + dominated.length + infeasible.length),
      front: String(front.length),
      dominated: String(dominated.length),
      infeasible: String(infeasible.length),
      hypervolume: hypervolume === undefined ? '' : String(hypervolume),
    });
    section.querySelector('.table')!.innerHTML = paretoTable(a.pareto);
  }

  function drawArchitecture(a: StudyAnalysis) {
    const section = document.getElementById('view-architecture') as HTMLElement;
    const withGraphs = a.trials.filter((t) => trialArchitectures(a.study.spec.parameters, t.params).length > 0);
    section.hidden = withGraphs.length === 0;
    if (withGraphs.length === 0) return;
    const fallback = a.study.best?.trialId ?? a.ranked[0]?.trialId ?? withGraphs[0].trialId;
    const trial = withGraphs.find((t) => t.trialId === picked) ?? withGraphs.find((t) => t.trialId === fallback) ?? withGraphs[0];
    const graphs = trialArchitectures(a.study.spec.parameters, trial.params);
    section.querySelector('.trial-id')!.textContent = trial.trialId;
    const pick = section.querySelector('select') as HTMLSelectElement;
    pick.innerHTML = withGraphs
      .map(
        (t) =>
          `<option value="${escapeHtml(t.trialId)}">${escapeHtml(`trial ${t.trialId} · ${t.state}${typeof t.value === 'number' ? ` · ${t.value.toPrecision(4)}` : ''}`)}</option>`,
      )
      .join('');
    pick.value = trial.trialId;
    for (const row of document.querySelectorAll<HTMLElement>('tr[data-trial-id]'))
      row.classList.toggle('selected', row.dataset.trialId === trial.trialId);
    const box = section.querySelector('.graphs') as HTMLElement;
    while (graphCharts.length > graphs.length) {
      graphCharts.pop()!.dispose();
      box.lastElementChild?.remove();
    }
    while (graphCharts.length < graphs.length) {
      const div = document.createElement('div');
      div.className = 'chart graph';
      box.append(div);
      graphCharts.push(echarts.init(div, undefined, { renderer: 'svg' }));
    }
    graphs.forEach((g, i) => {
      const div = box.children[i] as HTMLElement;
      Object.assign(div.dataset, { parameter: g.parameter, kind: g.kind, nodes: String(g.nodes.length), edges: String(g.edges.length) });
      graphCharts[i].setOption(architectureOption(g), { notMerge: true });
    });
    Object.assign(section.dataset, {
      trialId: trial.trialId,
      count: String(graphs.length),
      nodes: String(graphs.reduce((n, g) => n + g.nodes.length, 0)),
      edges: String(graphs.reduce((n, g) => n + g.edges.length, 0)),
    });
  }

  const steer = document.getElementById('steer') as HTMLFormElement;
  const message = (text: string) => (document.getElementById('steer-message')!.textContent = text);
  steer.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(steer);
    const limits: Record<string, number> = {};
    for (const k of ['parallelism', 'maxTrials']) if (data.get(k)) limits[k] = Number(data.get(k));
    try {
      await api.call('PATCH', route, { limits });
      message('applied');
      void refresh(false);
    } catch (e) {
      message((e as Error).message);
    }
  });
  document.getElementById('stop-study')!.addEventListener('click', async () => {
    try {
      await api.call('POST', `${route}/stop`);
      message('stopping');
      void refresh(false);
    } catch (e) {
      message((e as Error).message);
    }
  });

  async function measurementsOf(trials: TrialView[]) {
    const stale = trials.filter((t) => t.state === 'RUNNING' || cache.get(t.trialId)?.updatedAt !== t.updatedAt);
    for (let i = 0; i < stale.length; i += 6) {
      await Promise.all(
        stale.slice(i, i + 6).map(async (t) => {
          const full = await api.call<TrialView & { measurements: MeasurementLike[] }>(
            'GET',
            `${route}/trials/${encodeURIComponent(t.trialId)}`,
          );
          cache.set(t.trialId, { updatedAt: t.updatedAt, measurements: full.measurements });
        }),
      );
    }
    return Object.fromEntries([...cache].map(([id, v]) => [id, v.measurements]));
  }

  async function refresh(schedule = true) {
    try {
      const study = await api.call<StudyView>('GET', route);
      const trials = await api.all<TrialView>(`${route}/trials`);
      const measurements = await measurementsOf(trials);
      // The front over every objective is the API's (shared/analysis/pareto.ts): fetched, not recomputed.
      const pareto = isMultiObjective(study.spec) ? await api.call<ParetoReport>('GET', `${route}/pareto`) : undefined;
      if (!live) return;
      const a = analyzeStudy(study, trials, measurements, Date.now(), pareto);
      latest = a;
      document.getElementById('study-name')!.textContent = study.name;
      document.title = `${study.name} · rung`;
      document.getElementById('view-summary')!.innerHTML = summaryHtml(a);
      if (!formFilled) {
        (steer.elements.namedItem('parallelism') as HTMLInputElement).value = String(study.spec.limits.parallelism);
        (steer.elements.namedItem('maxTrials') as HTMLInputElement).value = String(study.spec.limits.maxTrials);
        formFilled = true;
      }
      steer.hidden = finished.has(study.state);
      for (const v of views) {
        charts.get(v.id)!.setOption(v.option(a), { notMerge: true });
        (document.getElementById(`view-${v.id}`) as HTMLElement).dataset.count = String(v.count(a));
      }
      document.querySelector('#view-importance .table')!.innerHTML = importanceTable(a);
      document.querySelector('#view-best .table')!.innerHTML = bestTrialsTable(a);
      (document.getElementById('view-best') as HTMLElement).dataset.count = String(Math.min(10, a.ranked.length));
      drawPareto(a);
      drawArchitecture(a);
      refreshes++;
      document.body.dataset.refreshes = String(refreshes);
      document.body.dataset.studyState = study.state;
      setStatus(`updated ${new Date().toLocaleTimeString()}${finished.has(study.state) ? '' : ` · refreshing every ${pollMs / 1000} s`}`);
      if (finished.has(study.state)) schedule = false;
    } catch (e) {
      setStatus(`could not load the study: ${(e as Error).message}`, true);
    }
    if (schedule && live) timer = setTimeout(() => void refresh(), pollMs);
  }

  await refresh();
  return () => {
    live = false;
    clearTimeout(timer);
    window.removeEventListener('resize', onResize);
    charts.forEach((c) => c.dispose());
    paretoChart?.dispose();
    graphCharts.forEach((c) => c.dispose());
  };
}

async function route(api: Api) {
  stopPage?.();
  const match = /^#\/studies\/([^/]+)$/.exec(location.hash);
  stopPage = match ? await studyPage(api, decodeURIComponent(match[1])) : await listPage(api);
}

const token = adoptToken();
if (!token) {
  root.innerHTML =
    '<h1>rung</h1><p class="empty">This page needs the token that <code>rung serve</code> (or, for a deployed stack, <code>rung dashboard --api &lt;ApiUrl&gt;</code>) prints: open the URL it shows (the token travels in the part after #, which the browser never sends to the server).</p>';
} else {
  const api = apiClient(token);
  window.addEventListener('hashchange', () => void route(api));
  void route(api);
}
