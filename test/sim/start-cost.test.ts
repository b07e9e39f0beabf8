import { describe, expect, it } from 'vitest';
import type { Sampler } from '../../shared/samplers/sampler.js';
import { ashaScheduler } from '../../shared/schedulers/asha.js';
import { fifoScheduler } from '../../shared/schedulers/fifo.js';
import { simulate, type Execution, type TraceEntry } from '../../shared/sim/simulator.js';
import { SearchSpace } from '../../shared/space/space.js';
import fixture from './fixtures/simulator-default.json' with { type: 'json' };
import { regressionMethods, regressionRun, syntheticTable } from './regression-scenarios.js';
import { tinyTable } from './tiny-table.js';

const space = new SearchSpace({ row: { type: 'int', min: 0, max: 9, scale: 'linear' } });
const sequence = (rows: number[]): Sampler => ({ name: 'sequence', suggest: ({ index }) => ({ row: rows[index % rows.length] }) });
const reportTimes = (trace: TraceEntry[]) => trace.flatMap((e) => (e.kind === 'report' ? [[e.trial, e.epoch, e.time]] : []));
const perJob = (L: number, P = 0): Execution => ({ mode: 'per-job', jobStartSeconds: L, processStartSeconds: P });
const warm = (L: number, P = 0): Execution => ({ mode: 'warm', jobStartSeconds: L, processStartSeconds: P });
const fixtureBudget = () => syntheticTable().budget;

describe('simulator start costs', () => {
  // One worker, trials of one 10 s epoch, T = 30, L = 5.
  const oneEpoch = tinyTable(
    [
      { scores: [1], times: [10] },
      { scores: [2], times: [10] },
    ],
    30,
  );
  const run = (execution: Execution) =>
    simulate({
      table: oneEpoch,
      space,
      scheduler: fifoScheduler(1),
      sampler: sequence([0, 1]),
      workers: 1,
      seed: 0,
      trace: true,
      execution,
    });

  it('per-job: every job pays L before it trains; start time counts against T but not as busy', () => {
    // Act
    const r = run(perJob(5));
    // Assess: jobs train [5, 15] and [20, 30] (a report at exactly T counts); the third is given
    // at 30 and would only start training at 35. Busy 20 of 30 s, starting 10 of 30 s.
    expect(reportTimes(r.trace)).toEqual([
      [0, 1, 15],
      [1, 1, 30],
    ]);
    expect(r.busyFraction).toBeCloseTo(20 / 30, 12);
    expect(r.startFraction).toBeCloseTo(10 / 30, 12);
  });

  it('warm: the worker pays L once at t = 0, then jobs follow each other at no cost (P = 0)', () => {
    // Act
    const r = run(warm(5));
    // Assess: jobs train [5, 15], [15, 25], [25, 35]: the third is busy for 5 s up to T and its report is after T.
    expect(reportTimes(r.trace)).toEqual([
      [0, 1, 15],
      [1, 1, 25],
    ]);
    expect(r.busyFraction).toBeCloseTo(25 / 30, 12);
    expect(r.startFraction).toBeCloseTo(5 / 30, 12);
    const firstStart = r.trace.find((e) => e.kind === 'start');
    expect(firstStart).toMatchObject({ time: 0, training: 5 });
  });

  it('per-job adds the process start P to L; a job whose start runs past T adds nothing', () => {
    // Act: L + P = 12: the first job trains [12, 22], the second is given at 22 and would train from 34.
    const r = run(perJob(8, 4));
    // Assess
    expect(reportTimes(r.trace)).toEqual([[0, 1, 22]]);
    expect(r.busyFraction).toBeCloseTo(10 / 30, 12);
    expect(r.startFraction).toBeCloseTo((12 + 8) / 30, 12);
  });

  it('warm with P > 0: a new or resumed job pays P, the trial promoted at once on its own worker does not', () => {
    // Prepare: ASHA rungs 1 and 3; row 2 is best at epoch 1 and is promoted right at its rung
    // (as in simulator.test.ts). Epoch 1 takes 1 s, epoch 2 10 s more, epoch 3 100 s more.
    const row = { scores: [5, 6, 7], times: [1, 11, 111] };
    const table = tinyTable([row, row, { scores: [9, 9.5, 9.9], times: [1, 11, 111] }], 1000);
    const go = (execution: Execution) =>
      simulate({
        table,
        space,
        scheduler: ashaScheduler({ type: 'promotion', minResource: 1, maxResource: 3, eta: 3 }),
        sampler: sequence([0, 1, 2]),
        workers: 1,
        seed: 0,
        trace: true,
        execution,
      });
    // Act
    const w = go(warm(5, 2));
    const p = go(perJob(5, 2));
    // Assess, warm: boot 5 + P 2, trial 0 reports epoch 1 at 8; trial 1 trains from 8 + 2 and
    // reports at 11; trial 2 from 13, reports at 14 and goes on at once: epochs 2, 3 at 24, 124.
    const t2 = (r: typeof w) => reportTimes(r.trace).filter(([trial]) => trial === 2);
    expect(reportTimes(w.trace).slice(0, 2)).toEqual([
      [0, 1, 8],
      [1, 1, 11],
    ]);
    expect(t2(w)).toEqual([
      [2, 1, 14],
      [2, 2, 24],
      [2, 3, 124],
    ]);
    // per-job: every job pays 7: trial 0 at 7 + 1, trial 1 at 15 + 1, trial 2 at 23 + 1; its
    // resumption is a new job: 24 + 7 + 10 and + 100.
    expect(t2(p)).toEqual([
      [2, 1, 24],
      [2, 2, 41],
      [2, 3, 141],
    ]);
  });

  it('rejects a negative or non-finite start cost and an unknown mode, naming the field', () => {
    const bad = (execution: Execution) => () => run(execution);
    expect(bad(perJob(-1))).toThrow(/execution.jobStartSeconds must be a finite number >= 0/);
    expect(bad(warm(0, Number.NaN))).toThrow(/execution.processStartSeconds/);
    expect(bad({ ...warm(0), mode: 'pooled' as never })).toThrow(/execution.mode must be one of per-job, warm/);
  });

  it('with no start cost (the default, or either mode at L = P = 0) reproduces the result recorded before start costs existed', () => {
    for (const method of regressionMethods)
      for (const seed of [0, 1]) {
        const key = `${method}/${seed}` as keyof typeof fixture;
        for (const execution of [undefined, perJob(0), warm(0)]) {
          // Act
          const { startFraction, ...rest } = regressionRun(method, seed, { execution });
          // Assess: bit-identical (toEqual on numbers read back from JSON), and no start time.
          expect(rest, `${key} ${execution?.mode ?? 'default'}`).toEqual(fixture[key]);
          expect(startFraction).toBe(0);
        }
      }
  });

  it('warm with P = 0 is the free run delayed by L: the same improvements, each L later, up to T', () => {
    for (const method of regressionMethods) {
      // Prepare
      const L = 17;
      const free = regressionRun(method, 0);
      const T = fixtureBudget();
      // Act
      const delayed = regressionRun(method, 0, { execution: warm(L) });
      // Assess
      const expected = free.improvements.filter((i) => i.time + L <= T);
      expect(
        delayed.improvements.map((i) => i.value),
        method,
      ).toEqual(expected.map((i) => i.value));
      delayed.improvements.forEach((i, k) => expect(i.time).toBeCloseTo(expected[k].time + L, 9));
      expect(delayed.startFraction).toBeCloseTo(L / T, 12);
    }
  });

  it('a start cost changes the result of the same fixture (the regression check can fail)', () => {
    const { startFraction, ...rest } = regressionRun('default', 0, { execution: perJob(5) });
    expect(startFraction).toBeGreaterThan(0);
    expect(rest).not.toEqual(fixture['default/0']);
  });
});
