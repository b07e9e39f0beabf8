import { describe, expect, it } from 'vitest';
import { renderReport } from '../../cli/report.js';
import { apiBase } from '../../dashboard/app/api.js';
import { architectureOption, layeredLayout } from '../../dashboard/architecture-view.js';
import { isMultiObjective, paretoOption, paretoTable, type ParetoPoint, type ParetoReport } from '../../dashboard/pareto-view.js';
import { analyzeStudy, type StudyView, type TrialView } from '../../dashboard/study-data.js';
import { summaryHtml } from '../../dashboard/tables.js';
import { parseStudySpec } from '../../shared/study/spec.js';
import { makeGraph } from '../support/factories.js';

/** The dashboard's Pareto, architecture and budget views as pure functions, and `rung report` with them. */
const point = (trialId: string, acc: number, latency: number): ParetoPoint => ({
  trialId,
  number: Number(trialId),
  params: {},
  values: { acc, latency_ms: latency },
});

const report = (goals: ['maximize' | 'minimize', 'maximize' | 'minimize'] = ['maximize', 'minimize']): ParetoReport => ({
  objectives: [
    { metric: 'acc', goal: goals[0] },
    { metric: 'latency_ms', goal: goals[1] },
  ],
  reference: { acc: 0.5, latency_ms: 30 },
  hypervolume: 3.25,
  // Best first on the first objective, as the API answers.
  front: [point('3', 0.8, 22), point('0', 0.62, 8), point('2', 0.75, 15)],
  dominated: [point('4', 0.66, 14)],
  infeasible: [point('6', 0.78, 28)],
});

const seriesNamed = (option: Record<string, any>, name: string) => option.series.find((s: { name: string }) => s.name === name);

describe('Pareto view', () => {
  it('draws the front sorted along x and joined as a staircase, the other trials apart, the hypervolume in the title', () => {
    // Act
    const option = paretoOption(report());

    // Assess
    expect(option.title.text).toContain('hypervolume 3.25');
    expect(seriesNamed(option, 'Pareto front').data.map((d: { value: unknown[] }) => d.value)).toEqual([
      [0.62, 8, '0'],
      [0.75, 15, '2'],
      [0.8, 22, '3'],
    ]);
    expect(seriesNamed(option, 'front line').data).toEqual([
      [0.62, 8],
      [0.75, 15],
      [0.8, 22],
    ]);
    expect(seriesNamed(option, 'dominated').data.map((d: { value: unknown[] }) => d.value[2])).toEqual(['4']);
    expect(seriesNamed(option, 'infeasible').data.map((d: { value: unknown[] }) => d.value[2])).toEqual(['6']);
    expect(option.xAxis.name).toBe('acc (max)');
    expect(option.yAxis.name).toBe('latency_ms (min)');
  });

  it('steps horizontally first when x is minimized, vertically first when it is maximized', () => {
    // Act
    const maxX = paretoOption(report(['maximize', 'minimize']));
    const minX = paretoOption(report(['minimize', 'minimize']));

    // Assess
    expect(seriesNamed(maxX, 'front line').step).toBe('start');
    expect(seriesNamed(minX, 'front line').step).toBe('end');
  });

  it('lists the front with every objective, and is shown for two objectives or more only', () => {
    // Prepare
    const three = { ...report(), objectives: [...report().objectives, { metric: 'params_m', goal: 'minimize' as const }] };

    // Act
    const table = paretoTable(report());

    // Assess
    expect([...table.matchAll(/<tr data-trial-id="(\d+)">/g)].map((m) => m[1])).toEqual(['3', '0', '2']);
    expect(table).toContain('3 on the front, 1 dominated, 1 infeasible');
    expect(paretoOption(three).title.text).toContain('first 2 of 3 objectives');
    expect(isMultiObjective({ objective: { metric: 'acc', goal: 'maximize' } })).toBe(false);
    expect(isMultiObjective({ objective: { metric: 'acc', goal: 'maximize' }, objectives: report().objectives })).toBe(true);
  });
});

describe('architecture view', () => {
  // A 4-node cell: 0 -> 1 -> 2 -> 3 with a skip 0 -> 3 and 1 -> 3.
  const cell = makeGraph(
    'cell',
    'cell',
    [['0', 'input'], '1', '2', ['3', 'output']],
    [
      ['0', '1', 'conv_3x3'],
      ['1', '2', 'avg_pool_3x3'],
      ['2', '3', 'conv_1x1'],
      ['0', '3', 'skip_connect'],
      ['1', '3', 'conv_3x3'],
    ],
  );

  it('lays nodes out in columns by their longest path from the input, so that every edge points right', () => {
    // Act
    const layout = layeredLayout(cell);
    const darts = layeredLayout(
      makeGraph(
        'normal',
        'darts_cell',
        ['c_k-2', 'c_k-1', '0', '1', 'out'],
        [
          ['c_k-2', '0', 'sep_conv_3x3'],
          ['c_k-1', '0', 'skip_connect'],
          ['c_k-1', '1', 'max_pool_3x3'],
          ['0', '1', 'dil_conv_3x3'],
          ['0', 'out', 'concat'],
          ['1', 'out', 'concat'],
        ],
      ),
    );

    // Assess
    expect([...layout.values()].map((p) => p.column)).toEqual([0, 1, 2, 3]);
    for (const e of cell.edges) expect(layout.get(e.to)!.column).toBeGreaterThan(layout.get(e.from)!.column);
    expect(darts.get('c_k-2')).toEqual({ column: 0, row: 0 });
    expect(darts.get('c_k-1')).toEqual({ column: 0, row: 1 });
    expect(darts.get('out')!.column).toBe(3);
  });

  it('draws a graph series with a node per node and a link per edge labelled with its operation', () => {
    // Act
    const option = architectureOption(cell);
    const [series] = option.series;

    // Assess
    expect(series.type).toBe('graph');
    expect(series.data.map((n: { id: string; label: { formatter: string } }) => [n.id, n.label.formatter])).toEqual([
      ['0', 'input'],
      ['1', '1'],
      ['2', '2'],
      ['3', 'output'],
    ]);
    expect(series.links.map((l: { source: string; target: string; op: string }) => `${l.source}-${l.op}->${l.target}`)).toEqual(
      cell.edges.map((e) => `${e.from}-${e.op}->${e.to}`),
    );
    expect(series.edgeLabel.formatter({ data: series.links[3] })).toBe('skip_connect');
    // Edges between neighbouring columns are straight; edges that skip a column bend, more when
    // they would run through a node (0 -> 4 of a chain meets node 2 on its line).
    expect(series.links.map((l: { lineStyle: { curveness: number } }) => Math.abs(l.lineStyle.curveness))).toEqual([0, 0, 0, 0.15, 0.15]);
    const chain = architectureOption({
      parameter: 'net',
      kind: 'macro',
      nodes: ['0', '1', '2', '3', '4'].map((id) => ({ id, label: id })),
      edges: [...[0, 1, 2, 3].map((i) => ({ from: String(i), to: String(i + 1), op: 'mbconv' })), { from: '0', to: '4', op: 'skip' }],
    });
    expect(chain.series[0].links.map((l: { lineStyle: { curveness: number } }) => Math.abs(l.lineStyle.curveness))).toEqual([
      0, 0, 0, 0, 0.25,
    ]);
    // No two nodes on one horizontal line: the aspect ratio stays finite.
    expect(new Set(series.data.map((n: { y: number }) => n.y)).size).toBeGreaterThan(1);
  });
});

describe('cost against the budget, and the report of a Pareto NAS study', () => {
  // Prepare: a multi-objective study with a cell parameter and a dollar budget, two trials.
  const spec = parseStudySpec({
    name: 'nas',
    objectives: [
      { metric: 'acc', goal: 'maximize' },
      { metric: 'latency_ms', goal: 'minimize' },
    ],
    parameters: { cell: { type: 'cell', nodes: 3, ops: ['none', 'conv_3x3', 'skip_connect'] } },
    limits: { maxTrials: 4, maxCostUsd: 10 },
    trial: { command: ['node', 'train.js'], secondsPerResource: 60 },
  });
  const params = { 'cell.e0_1': 'conv_3x3', 'cell.e0_2': 'skip_connect', 'cell.e1_2': 'conv_3x3' };
  const composed = { ...params, cell: '|conv_3x3~0|+|skip_connect~0|conv_3x3~1|' };
  const trial = (n: number, value: number): TrialView =>
    ({
      trialId: String(n),
      number: n,
      bracket: 0,
      rung: 0,
      state: 'COMPLETE',
      params: composed,
      resource: 1,
      rungValues: [value],
      value,
    }) as TrialView;
  const study: StudyView = {
    studyId: 'nas-1',
    name: 'nas',
    state: 'COMPLETED',
    spec,
    best: { trialId: '0', value: 0.8, resource: 1, params: composed },
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    cost: { spentUsd: 2.5, reservedUsd: { '1#0': 0.5 } },
  };
  const pareto: ParetoReport = { ...report(), front: [point('0', 0.8, 12)], dominated: [point('1', 0.7, 15)], infeasible: [] };

  it('shows dollars spent of the budget with a meter and what is reserved', () => {
    // Act
    const html = summaryHtml(analyzeStudy(study, [trial(0, 0.8), trial(1, 0.7)], {}, Date.parse('2026-01-01T01:00:00Z')));

    // Assess
    expect(html).toContain('<span data-cost="2.5">$2.50</span> of <span data-budget="10">$10</span>');
    expect(html).toContain('<meter class="budget" min="0" max="1" low="0.75" high="0.9" optimum="0" value="0.25"');
    expect(html).toContain('$0.50 reserved');
    // What a few CPU-seconds cost still shows, below a cent.
    const cheap = summaryHtml(analyzeStudy({ ...study, cost: { spentUsd: 0.0031 } }, [], {}, 0));
    expect(cheap).toContain('<span data-cost="0.0031">$0.0031</span> of <span data-budget="10">$10</span>');
    expect(cheap).toContain('&lt;1%');
  });

  it('puts the Pareto front and the best trial architecture into `rung report`', () => {
    // Act
    const html = renderReport(
      analyzeStudy(study, [trial(0, 0.8), trial(1, 0.7)], {}, Date.parse('2026-01-01T01:00:00Z'), pareto),
      new Date('2026-01-01T01:00:00Z'),
    );

    // Assess
    expect(html).toContain('id="view-pareto"');
    expect(html).toContain('hypervolume 3.25');
    expect(html).toContain('id="view-architecture"');
    expect(html).toContain('skip_connect');
    // The five charts of every study, the front and one cell.
    expect(html.match(/<svg /g)).toHaveLength(7);
    expect(html).not.toMatch(/<script/);
  });
});

describe('where the page finds the API', () => {
  it('is /v1 beside the page under `rung serve`, and the path before /dashboard/ on AWS and through `rung dashboard`', () => {
    // Act
    const at = (pathname: string) => apiBase({ origin: 'http://127.0.0.1:8788', pathname });

    // Assess
    expect(at('/')).toBe('http://127.0.0.1:8788/v1');
    expect(at('/v1/dashboard/')).toBe('http://127.0.0.1:8788/v1');
    expect(at('/v1/dashboard')).toBe('http://127.0.0.1:8788/v1');
    expect(at('/rung/v1/dashboard/index.html')).toBe('http://127.0.0.1:8788/rung/v1');
  });
});
