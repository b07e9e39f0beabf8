import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { createRng, deriveSeed } from '../shared/rng.js';
import { readCsv } from '../shared/nas/tables.js';
import { hypervolume2d, paretoFront } from '../shared/objectives/pareto.js';
import { multiObjectiveSamplers } from '../shared/samplers/registry-nas.js';
import { randomSampler } from '../shared/samplers/random.js';
import type { Observation, Sampler } from '../shared/samplers/sampler.js';
import type { Params } from '../shared/space/schema.js';
import { SearchSpace } from '../shared/space/space.js';

/**
 * Multi-objective NAS on Accel-NASBench (MnasNet space, ImageNet): maximize `val_top1`, minimize an
 * accelerator latency, 100 evaluations, one worker. The table is a pool of 5,138 measured
 * architectures, a sparse sample of the 36^7 space: a suggestion is evaluated as the pool row
 * nearest in Hamming distance over the 28 block choices among the rows this run has not evaluated
 * yet (ties: lowest result_id). Mapping to any nearest row instead would send every one-change
 * mutation back to its parent (the pool's rows are several changes apart), which measures the
 * pool's sparsity rather than the sampler. Score: hypervolume of the measured points, both objectives min-max normalized
 * over the pool (reference point = worst accuracy, worst latency), divided by the pool front's.
 */
const program = new Command()
  .requiredOption('--data <file>', 'accel_nasbench_mnasnet_imagenet.csv')
  .requiredOption('--method <name>', 'random | nsga2 | parego')
  .option('--latency <column>', 'latency column to minimize', 'latency_zcu102_mean')
  .option('--seeds <n>', 'number of seeds', (v) => parseInt(v, 10), 20)
  .option('--seed-start <n>', 'first seed', (v) => parseInt(v, 10), 0)
  .option('--budget <n>', 'evaluations per run', (v) => parseInt(v, 10), 100)
  .option('--out <file>', 'write the JSON result here')
  .parse();
const opts = program.opts<{
  data: string;
  method: string;
  latency: string;
  seeds: number;
  seedStart: number;
  budget: number;
  out?: string;
}>();

const rows = readCsv(opts.data).filter((r) => r.val_top1 !== '' && r[opts.latency] !== '');
rows.sort((a, b) => Number(a.result_id) - Number(b.result_id));
const fields = Array.from({ length: 7 }, (_, b) => ['e', 'k', 'l', 'se'].map((f) => `block${b}_${f}`)).flat();
const values = Object.fromEntries(fields.map((f) => [f, [...new Set(rows.map((r) => Number(r[f])))].sort((a, b) => a - b)]));
const space = new SearchSpace(Object.fromEntries(fields.map((f) => [f, { type: 'categorical' as const, values: values[f] }])));
const codes = rows.map((r) => Int8Array.from(fields, (f) => Number(r[f])));
const acc = rows.map((r) => Number(r.val_top1));
const lat = rows.map((r) => Number(r[opts.latency]));
const [accLo, accHi] = [Math.min(...acc), Math.max(...acc)];
const [latLo, latHi] = [Math.min(...lat), Math.max(...lat)];
const norm = (i: number): [number, number] => [(acc[i] - accLo) / (accHi - accLo), (latHi - lat[i]) / (latHi - latLo)];
const poolHv = hypervolume2d(
  paretoFront(rows.map((_, i) => norm(i))).map((i) => norm(i)),
  [0, 0],
);

function nearestRow(p: Params, used: Set<number>): number {
  const q = fields.map((f) => Number(p[f]));
  let best = 0;
  let bestD = Infinity;
  for (let i = 0; i < codes.length; i++) {
    if (used.has(i)) continue;
    let d = 0;
    for (let j = 0; j < q.length && d < bestD; j++) if (codes[i][j] !== q[j]) d++;
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  }
  return best;
}

const samplers: Record<string, Sampler> = { random: randomSampler, ...multiObjectiveSamplers };
const sampler = samplers[opts.method] ?? program.error(`unknown method ${opts.method} (${Object.keys(samplers).join(', ')})`);
const checkpoints = [25, 50, 100].filter((c) => c <= opts.budget);
const sums = checkpoints.map(() => 0);
let distinct = 0;
const t0 = performance.now();
for (let seed = opts.seedStart; seed < opts.seedStart + opts.seeds; seed++) {
  const observations: Observation[] = [];
  const found: [number, number][] = [];
  const seen = new Set<number>();
  const cache = new Map<string, unknown>();
  for (let i = 0; i < opts.budget; i++) {
    const params = sampler.suggest({
      space,
      observations,
      pending: [],
      maxResource: 1,
      index: i,
      rng: createRng(deriveSeed(seed, i)),
      seed,
      cache,
    });
    const r = nearestRow(params, seen);
    seen.add(r);
    // The study measures the row it trained: the observation carries the row's architecture.
    const rowParams = Object.fromEntries(fields.map((f, j) => [f, codes[r][j]]));
    observations.push({ params: rowParams, score: acc[r], resource: 1, objectives: [acc[r], -lat[r]] });
    found.push(norm(r));
    const c = checkpoints.indexOf(i + 1);
    if (c >= 0) sums[c] += hypervolume2d(found, [0, 0]) / poolHv;
  }
  distinct += seen.size;
}
const mean = sums.map((s) => s / opts.seeds);
const result = {
  suite: 'accel-mo',
  method: opts.method,
  objectives: ['val_top1 (max)', `${opts.latency} (min)`],
  seeds: opts.seeds,
  seed_start: opts.seedStart,
  checkpoints,
  hypervolume_ratio: mean,
  pool_hypervolume: poolHv,
  distinct_rows: distinct / opts.seeds,
};
process.stderr.write(
  `accel-mo ${opts.method}: HV/HV(pool) ${mean.map((x) => x.toFixed(4)).join(' ')} at ${checkpoints.join(', ')} evaluations; ${(distinct / opts.seeds).toFixed(1)} distinct rows; ${((performance.now() - t0) / 1000).toFixed(1)}s\n`,
);
const text = JSON.stringify(result, null, 1);
if (opts.out) writeFileSync(opts.out, text + '\n');
else console.log(text);
