import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { median } from '../math/median.js';
import type { Params, ParametersSpec } from '../space/schema.js';
import type { CurveTable } from './table.js';

/** The lcbench search space exactly as PROTOCOL.md tables it (bounds rounded: 1e-4..1e-1). */
export const lcbenchParameters: ParametersSpec = {
  batch_size: { type: 'int', min: 16, max: 512, scale: 'log' },
  learning_rate: { type: 'float', min: 1e-4, max: 1e-1, scale: 'log' },
  momentum: { type: 'float', min: 0.1, max: 0.99, scale: 'linear' },
  weight_decay: { type: 'float', min: 1e-5, max: 0.1, scale: 'linear' },
  num_layers: { type: 'int', min: 1, max: 5, scale: 'linear' },
  max_units: { type: 'int', min: 64, max: 1024, scale: 'log' },
  max_dropout: { type: 'float', min: 0, max: 1, scale: 'linear' },
};

export const lcbenchMaxEpoch = 52;

const names = Object.keys(lcbenchParameters);

/** Protocol mapping: log10 first where the scale is log, then (v - lo) / (hi - lo). No clamping. */
export function lcbenchUnit(params: Params): number[] {
  return names.map((n) => {
    const p = lcbenchParameters[n];
    if (p.type !== 'float' && p.type !== 'int') throw new Error(`lcbench: ${n} is not numeric`);
    const v = Number(params[n]);
    if (p.scale === 'log') return (Math.log10(v) - Math.log10(p.min)) / (Math.log10(p.max) - Math.log10(p.min));
    return (v - p.min) / (p.max - p.min);
  });
}

interface Row {
  task: string;
  config_id: number;
  val_accuracy: number[];
  time: number[];
  [param: string]: unknown;
}

/**
 * One task's table: rows sorted by config_id (so the first minimum of a nearest-row search is
 * the lowest config_id, the protocol's tie rule), curves, running-maximum times and the
 * normalization constants of the score.
 */
export class LcbenchTask implements CurveTable {
  readonly maxEpoch = lcbenchMaxEpoch;
  readonly budget: number;
  readonly yStar: number;
  readonly yMed: number;
  /** Row-major unit points, 7 per row: one flat array keeps the nearest-row scan cache friendly. */
  private readonly points: Float64Array;
  readonly configIds: number[];
  readonly accuracy: Float64Array[];
  /** ctime[row][e - 1] = running max of time up to epoch e (cumulative seconds). */
  readonly ctime: Float64Array[];
  private readonly medianTimes: number[];

  constructor(
    readonly name: string,
    rows: Row[],
  ) {
    const sorted = [...rows].sort((a, b) => a.config_id - b.config_id);
    this.configIds = sorted.map((r) => r.config_id);
    this.points = new Float64Array(sorted.length * names.length);
    sorted.forEach((r, i) => this.points.set(lcbenchUnit(r as unknown as Params), i * names.length));
    this.accuracy = sorted.map((r) => Float64Array.from(r.val_accuracy));
    this.ctime = sorted.map((r) => {
      const out = new Float64Array(r.time.length);
      let m = -Infinity;
      r.time.forEach((t, i) => (out[i] = m = Math.max(m, t)));
      return out;
    });
    this.medianTimes = Array.from({ length: lcbenchMaxEpoch }, (_, e) => median(this.ctime.map((c) => c[e])));
    // The budget uses the running-maximum time too (the peer harness settles it that way).
    this.budget = 20 * this.medianTimeAt(lcbenchMaxEpoch);
    this.yStar = Math.max(...this.accuracy.map((a) => Math.max(...a)));
    this.yMed = median(this.accuracy.map((a) => a[lcbenchMaxEpoch - 1]));
  }

  get rows(): number {
    return this.configIds.length;
  }

  /** Index of the row nearest to `params` in the mapped unit cube (ties: lowest config_id). */
  nearestRow(params: Params): number {
    const p = lcbenchUnit(params);
    const d = p.length;
    let best = -1;
    let bestD = Infinity;
    for (let i = 0; i < this.configIds.length; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) {
        const diff = this.points[i * d + j] - p[j];
        s += diff * diff;
      }
      if (s < bestD) {
        bestD = s;
        best = i;
      }
    }
    return best;
  }

  score(row: number, epoch: number): number {
    return this.accuracy[row][epoch - 1];
  }

  /** Median over rows of the cumulative seconds to `epoch` (the protocol's unit of compute). */
  medianTimeAt(epoch: number): number {
    return epoch === 0 ? 0 : this.medianTimes[epoch - 1];
  }

  /** Cumulative seconds to train `row` from scratch to `epoch` (0 for epoch 0). */
  timeAt(row: number, epoch: number): number {
    return epoch === 0 ? 0 : this.ctime[row][epoch - 1];
  }
}

/** Reads the gzipped JSON-lines table; tasks in the order first seen in the file. */
export function loadLcbench(path: string, tasks?: string[]): LcbenchTask[] {
  const wanted = tasks && tasks.length ? new Set(tasks) : undefined;
  const text = gunzipSync(readFileSync(path)).toString('utf8');
  const byTask = new Map<string, Row[]>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    // Cheap prefix test before parsing: the whole file is 24,000 rows of long arrays.
    const m = /^\{"task":"([^"]+)"/.exec(line);
    if (wanted && m && !wanted.has(m[1])) continue;
    const row = JSON.parse(line) as Row;
    if (wanted && !wanted.has(row.task)) continue;
    let list = byTask.get(row.task);
    if (!list) byTask.set(row.task, (list = []));
    list.push(row);
  }
  if (wanted) {
    const missing = [...wanted].filter((t) => !byTask.has(t));
    if (missing.length) throw new Error(`tasks not in ${path}: ${missing.join(', ')}`);
  }
  return [...byTask.entries()].map(([name, rows]) => new LcbenchTask(name, rows));
}
