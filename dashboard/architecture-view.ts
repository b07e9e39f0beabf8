import type { Params, ParametersSpec } from '../shared/space/schema.js';
import { architectureGraphs, type ArchitectureGraph } from './architecture-graphs.js';

/**
 * A trial's NAS architecture drawn as a graph (echarts `graph` series, the operation on each edge),
 * for the dashboard and `rung report`. The graphs come from architecture-graphs.ts: one per
 * cell, DARTS cell or macro architecture parameter of the space.
 */
export type { ArchitectureGraph };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- ECharts options are deeply nested and loosely typed by ECharts itself
type Option = Record<string, any>;

/** The trial's architecture graphs (empty when the space has no architecture parameter). */
export function trialArchitectures(parameters: unknown, params: Record<string, unknown>): ArchitectureGraph[] {
  return architectureGraphs(parameters as ParametersSpec, params as Params);
}

/**
 * A layered layout, left to right: a node's column is its longest path from a source (so every
 * edge points right), its row its order within the column. Pure, so that it is testable and the
 * picture stays the same between refreshes (a force layout would move).
 */
export function layeredLayout(g: ArchitectureGraph): Map<string, { column: number; row: number }> {
  const incoming = new Map(g.nodes.map((n) => [n.id, [] as string[]]));
  for (const e of g.edges) incoming.get(e.to)?.push(e.from);
  const column = new Map<string, number>();
  const visiting = new Set<string>();
  const depth = (id: string): number => {
    const known = column.get(id);
    if (known !== undefined) return known;
    // A cycle cannot come from the spaces rung has; guard anyway rather than recurse forever.
    if (visiting.has(id)) return 0;
    visiting.add(id);
    const d = Math.max(-1, ...(incoming.get(id) ?? []).map(depth)) + 1;
    visiting.delete(id);
    column.set(id, d);
    return d;
  };
  const rows = new Map<number, number>();
  const out = new Map<string, { column: number; row: number }>();
  for (const n of g.nodes) {
    const c = depth(n.id);
    const r = rows.get(c) ?? 0;
    rows.set(c, r + 1);
    out.set(n.id, { column: c, row: r });
  }
  return out;
}

/** One architecture as a graph chart: nodes in layers, each edge labelled with its operation. */
export function architectureOption(g: ArchitectureGraph): Option {
  const layout = layeredLayout(g);
  const columns = Math.max(1, ...[...layout.values()].map((p) => p.column + 1));
  const perColumn = new Map<number, number>();
  for (const p of layout.values()) perColumn.set(p.column, Math.max(perColumn.get(p.column) ?? 0, p.row + 1));
  // Coordinates in a 100-wide box, rows centred in their column; columns zigzag up and down so that
  // an edge skipping a column passes beside the nodes between, and so that the nodes never sit on
  // one line (ECharts keeps the layout's aspect ratio, which a zero height would break).
  const x = (c: number) => (columns === 1 ? 50 : (c * 100) / (columns - 1));
  const y = (c: number, r: number) => 30 + (r - ((perColumn.get(c) ?? 1) - 1) / 2) * 24 + (c % 2 === 0 ? -10 : 10);
  const at = new Map([...layout].map(([id, p]) => [id, { x: x(p.column), y: y(p.column, p.row) }]));
  return {
    animation: false,
    textStyle: { fontFamily: 'system-ui, sans-serif' },
    title: {
      text: `${g.parameter} (${g.kind.replace('_', ' ')})`,
      left: 0,
      top: 0,
      textStyle: { fontSize: 13, fontWeight: 'normal', color: '#334155' },
    },
    tooltip: { trigger: 'item' },
    series: [
      {
        name: g.parameter,
        type: 'graph',
        layout: 'none',
        // No box (left/right/top/bottom): ECharts then keeps the layout's aspect ratio, and the
        // labels are not stretched with it.
        top: 'middle',
        left: 'center',
        roam: false,
        symbol: 'roundRect',
        symbolSize: [g.kind === 'macro' ? 118 : 64, 26],
        edgeSymbol: ['none', 'arrow'],
        edgeSymbolSize: 8,
        itemStyle: { color: '#e0e7ff', borderColor: '#4338ca', borderWidth: 1 },
        label: { show: true, color: '#1e1b4b', fontSize: 11 },
        lineStyle: { color: '#64748b', width: 1.4, opacity: 0.9 },
        edgeLabel: {
          show: true,
          fontSize: 10,
          color: '#0f172a',
          backgroundColor: 'rgba(255,255,255,0.85)',
          padding: [1, 3],
          formatter: (p: { data: { op: string } }) => p.data.op,
        },
        data: g.nodes.map((n) => {
          const p = at.get(n.id)!;
          return { id: n.id, name: n.id, value: n.label, x: p.x, y: p.y, label: { formatter: n.label } };
        }),
        links: g.edges.map((e, i) => {
          // An edge that skips a column bends, alternating sides: straight, it would cross the edge
          // between at both their middles (labels on labels) or run through a node on its line.
          const skips = (layout.get(e.to)?.column ?? 0) - (layout.get(e.from)?.column ?? 0) > 1;
          const bend = !skips ? 0 : (i % 2 === 0 ? 1 : -1) * (passesThroughNode(at, e) ? 0.25 : 0.15);
          return { source: e.from, target: e.to, op: e.op, value: e.op, lineStyle: { curveness: bend } };
        }),
      },
    ],
  };
}

/** Whether the straight segment of an edge passes within a node's height of a node between its ends (layout units). */
function passesThroughNode(at: Map<string, { x: number; y: number }>, e: { from: string; to: string }): boolean {
  const a = at.get(e.from);
  const b = at.get(e.to);
  if (!a || !b || b.x === a.x) return false;
  for (const [id, p] of at) {
    if (id === e.from || id === e.to || p.x <= Math.min(a.x, b.x) || p.x >= Math.max(a.x, b.x)) continue;
    const yOnEdge = a.y + ((p.x - a.x) / (b.x - a.x)) * (b.y - a.y);
    if (Math.abs(yOnEdge - p.y) < 6) return true;
  }
  return false;
}
