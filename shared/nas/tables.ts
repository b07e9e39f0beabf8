import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { median } from '../math/median.js';
import type { Params } from '../space/schema.js';
import type { BlackBoxTask } from './blackbox.js';

/** Minimal CSV reader for the benchmark tables (no quoted commas in them). */
export function readCsv(path: string): Record<string, string>[] {
  const buf = readFileSync(path);
  const text = path.endsWith('.gz') ? gunzipSync(buf).toString('utf8') : buf.toString('utf8');
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const header = lines[0].split(',');
  return lines.slice(1).map((line) => {
    const cells = line.split(',');
    const row: Record<string, string> = {};
    header.forEach((h, i) => (row[h] = cells[i] ?? ''));
    return row;
  });
}

const sortedDistinct = (values: string[]) => [...new Set(values)].sort();

export const nb201Datasets = ['c10', 'c100', 'in16'] as const;

/**
 * NAS-Bench-201 (PROTOCOL.md, suite nb201): six categorical edges over the file's five operations
 * in sorted order; objective `<ds>_test_200ep`; y* the table maximum, reference the median over
 * all 15,625 cells. Every configuration of the space is in the table.
 */
export function loadNb201(path: string): BlackBoxTask[] {
  const rows = readCsv(path);
  const edges = Array.from({ length: 6 }, (_, i) => `edge${i}`);
  const ops = sortedDistinct(rows.flatMap((r) => edges.map((e) => r[e])));
  const parameters = Object.fromEntries(edges.map((e) => [e, { type: 'categorical' as const, values: ops }]));
  return nb201Datasets.map((ds) => {
    const col = `${ds}_test_200ep`;
    const table = new Map<string, number>();
    for (const r of rows) table.set(edges.map((e) => r[e]).join('|'), Number(r[col]));
    const values = [...table.values()];
    return {
      name: ds,
      parameters,
      yStar: Math.max(...values),
      yRef: median(values),
      evaluate(params: Params) {
        const v = table.get(edges.map((e) => String(params[e])).join('|'));
        if (v === undefined) throw new Error(`architecture not in nb201: ${JSON.stringify(params)}`);
        return { score: v, feasible: true, violation: -1 };
      },
    } satisfies BlackBoxTask;
  });
}

/**
 * NAS-Bench-Graph, light (PROTOCOL.md, suite nasgraph-latency): `link` and `op0..op3` over the
 * values present for the dataset; maximize `valid_perf` subject to latency <= the median latency
 * of the dataset's rows. A configuration absent from the table is infeasible (no measurement).
 * The regret is against the best feasible value, normalized by best - median feasible value.
 */
export function loadNasgraph(path: string): BlackBoxTask[] {
  const rows = readCsv(path);
  const byDs = new Map<string, Record<string, string>[]>();
  for (const r of rows) {
    let list = byDs.get(r.dataset);
    if (!list) byDs.set(r.dataset, (list = []));
    list.push(r);
  }
  const opNames = ['op0', 'op1', 'op2', 'op3'];
  return [...byDs.entries()].map(([ds, rs]) => {
    const limit = median(rs.map((r) => Number(r.latency)));
    const links = sortedDistinct(rs.map((r) => r.link));
    const ops = sortedDistinct(rs.flatMap((r) => opNames.map((o) => r[o])));
    const key = (p: Record<string, unknown>) => ['link', ...opNames].map((n) => String(p[n])).join('|');
    const table = new Map<string, { perf: number; latency: number; params: number }>();
    for (const r of rs) table.set(key(r), { perf: Number(r.valid_perf), latency: Number(r.latency), params: Number(r.params_m) });
    const feasiblePerf = [...table.values()].filter((v) => v.latency <= limit).map((v) => v.perf);
    return {
      name: ds,
      parameters: {
        link: { type: 'categorical' as const, values: links },
        ...Object.fromEntries(opNames.map((o) => [o, { type: 'categorical' as const, values: ops }])),
      },
      yStar: Math.max(...feasiblePerf),
      yRef: median(feasiblePerf),
      latencyLimit: limit,
      evaluate(params: Params) {
        const hit = table.get(key(params));
        if (!hit) return { score: NaN, feasible: false, violation: NaN };
        const violation = hit.latency - limit;
        return { score: hit.perf, feasible: violation <= 0, violation, metrics: { latency: hit.latency, params_m: hit.params } };
      },
    } satisfies BlackBoxTask & { latencyLimit: number };
  });
}
