import { methodFor } from '../../bench/methods.js';
import { createRng } from '../../shared/rng.js';
import { simulate, type SimulationInput } from '../../shared/sim/simulator.js';
import { SearchSpace } from '../../shared/space/space.js';
import { tinyTable } from './tiny-table.js';

/**
 * A fixed synthetic replay (40 curves of 12 epochs, seeded) run by four benchmark methods on
 * 3 workers: the simulator's result on it was recorded in fixtures/simulator-default.json before
 * start costs were modelled, so a run with none (the protocol's default) must reproduce it exactly.
 * Regenerate (only when the protocol itself changes): npx tsx test/sim/regression-scenarios.ts > test/sim/fixtures/simulator-default.json
 */
export function syntheticTable() {
  const rng = createRng(20261204);
  const rows = Array.from({ length: 40 }, () => {
    const final = 50 + 45 * rng.next();
    const speed = 0.5 + 4 * rng.next();
    const perEpoch = 1 + 3 * rng.next();
    const startup = 2 * rng.next();
    const scores: number[] = [];
    const times: number[] = [];
    for (let e = 1; e <= 12; e++) {
      scores.push(Math.round(100 * (final * (1 - Math.exp(-e / speed)) + 3 * (rng.next() - 0.5))) / 100);
      times.push(Math.round(10 * (startup + perEpoch * e)) / 10);
    }
    return { scores, times };
  });
  const medianFull = rows.map((r) => r.times[11]).sort((a, b) => a - b)[20];
  return tinyTable(rows, 20 * medianFull);
}

export const regressionMethods = ['default', 'random-asha', 'random-hyperband', 'random'] as const;

/** The summary of one run the fixture keeps: everything simulate returns but the trace. */
export function regressionRun(method: string, seed: number, extra: Partial<SimulationInput> = {}) {
  const table = syntheticTable();
  const space = new SearchSpace({ row: { type: 'int', min: 0, max: 39, scale: 'linear' } });
  const m = methodFor(method);
  const workers = 3;
  const median = (e: number) => [...Array(40).keys()].map((r) => table.timeAt(r, e)).sort((a, b) => a - b)[20];
  const scheduler = m.scheduler(table.maxEpoch, { workers, seconds: table.budget, medianTimeAt: median });
  const { trace: _trace, ...rest } = simulate({ table, space, scheduler, sampler: m.sampler, workers, seed, ...extra });
  return rest;
}

export function regressionResults() {
  const out: Record<string, ReturnType<typeof regressionRun>> = {};
  for (const method of regressionMethods) for (const seed of [0, 1]) out[`${method}/${seed}`] = regressionRun(method, seed);
  return out;
}

if (process.argv[1]?.endsWith('regression-scenarios.ts')) console.log(JSON.stringify(regressionResults(), null, 1));
