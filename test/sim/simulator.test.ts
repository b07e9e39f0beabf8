import { describe, expect, it } from 'vitest';
import type { Sampler } from '../../shared/samplers/sampler.js';
import { ashaScheduler } from '../../shared/schedulers/asha.js';
import { fifoScheduler } from '../../shared/schedulers/fifo.js';
import { regretAt, simulate, type TraceEntry } from '../../shared/sim/simulator.js';
import { SearchSpace } from '../../shared/space/space.js';
import { tinyTable } from './tiny-table.js';

const space = new SearchSpace({ row: { type: 'int', min: 0, max: 9, scale: 'linear' } });

/** Suggests rows in a fixed order, so every event of a run is known in advance. */
function sequence(rows: number[]): Sampler {
  return { name: 'sequence', suggest: ({ index }) => ({ row: rows[index % rows.length] }) };
}

const reports = (trace: TraceEntry[]) => trace.filter((e) => e.kind === 'report');
const starts = (trace: TraceEntry[]) => trace.filter((e) => e.kind === 'start');

describe('simulator', () => {
  it('reports epoch e of a fresh trial at start + time[e] and hands the worker its next trial at once', () => {
    // Prepare: one worker, two rows of 2 epochs.
    const table = tinyTable(
      [
        { scores: [10, 20], times: [1, 3] },
        { scores: [30, 40], times: [2, 5] },
      ],
      100,
    );
    // Act
    const r = simulate({ table, space, scheduler: fifoScheduler(2), sampler: sequence([0, 1]), workers: 1, seed: 0, trace: true });
    // Assess: trial 0 reports at 1 and 3; trial 1 starts at 3 and reports at 3+2, 3+5.
    expect(
      reports(r.trace)
        .slice(0, 4)
        .map((e) => e.kind === 'report' && [e.trial, e.epoch, e.time]),
    ).toEqual([
      [0, 1, 1],
      [0, 2, 3],
      [1, 1, 5],
      [1, 2, 8],
    ]);
    expect(starts(r.trace)[1]).toMatchObject({ time: 3, trial: 1, from: 0 });
  });

  it('processes simultaneous events by worker index, and lets the freed worker ask before a higher-numbered one reports', () => {
    // Prepare: every row takes exactly 1 s per epoch, so the two workers' events always tie.
    const table = tinyTable(
      [
        { scores: [1], times: [1] },
        { scores: [2], times: [1] },
      ],
      3,
    );
    // Act
    const r = simulate({ table, space, scheduler: fifoScheduler(1), sampler: sequence([0, 1]), workers: 2, seed: 0, trace: true });
    // Assess: at t = 1 worker 0 reports, then starts its next trial, then worker 1 reports.
    const at1 = r.trace.filter((e) => e.time === 1).map((e) => `${e.kind}:${e.worker}`);
    expect(at1).toEqual(['report:0', 'start:0', 'report:1', 'start:1']);
    // Trial numbers go to the workers in the order they asked.
    expect(starts(r.trace).map((e) => e.kind === 'start' && e.trial)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('resumes a promoted trial from its checkpoint, paying only the new epochs', () => {
    // Prepare: ASHA with rungs 1 and 3 (eta 3); row 2 is best at epoch 1, so it is promoted once
    // three trials have reported epoch 1. Times are cumulative: epoch 2 adds 10 s, epoch 3 adds 100 s.
    const row = { scores: [5, 6, 7], times: [1, 11, 111] };
    const table = tinyTable([row, row, { scores: [9, 9.5, 9.9], times: [1, 11, 111] }], 1000);
    const scheduler = ashaScheduler({ type: 'promotion', minResource: 1, maxResource: 3, eta: 3 });
    // Act
    const r = simulate({ table, space, scheduler, sampler: sequence([0, 1, 2]), workers: 1, seed: 0, trace: true });
    // Assess: trial 2 pauses at epoch 1 (t = 3), is resumed from epoch 1 at t = 3 and reports
    // epoch 2 at 3 + (11 - 1) and epoch 3 at 3 + (111 - 1): not from scratch.
    const resumed = starts(r.trace).find((e) => e.kind === 'start' && e.trial === 2 && e.from === 1);
    expect(resumed).toMatchObject({ time: 3, from: 1 });
    const t2 = reports(r.trace).filter((e) => e.kind === 'report' && e.trial === 2);
    expect(t2.map((e) => e.kind === 'report' && [e.epoch, e.time, e.decision])).toEqual([
      [1, 3, 'PAUSE'],
      [2, 13, 'CONTINUE'],
      [3, 113, 'COMPLETE'],
    ]);
  });

  it('counts a report at exactly T and ignores later ones; regret is 1 before anything is reported', () => {
    // Prepare: one row whose epochs land at 2, 4, 6 with T = 4.
    const table = tinyTable(
      [
        { scores: [1, 2, 3], times: [2, 4, 6] },
        { scores: [0, 0, 0], times: [2, 4, 6] },
      ],
      4,
    );
    // Act
    const r = simulate({ table, space, scheduler: fifoScheduler(3), sampler: sequence([0]), workers: 1, seed: 0 });
    // Assess: the incumbent is 2 (epoch 2 at exactly T); at T/4 = 1 nothing has been reported.
    expect(r.improvements.at(-1)).toEqual({ time: 4, value: 2 });
    const [early, end] = regretAt(r, table, [0.25, 1]);
    expect(early).toBe(1);
    expect(end).toBeCloseTo((3 - 2) / (3 - 1.5));
  });

  it('is deterministic for a given seed', () => {
    // Prepare
    const table = tinyTable(
      [
        { scores: [1, 2], times: [1, 2] },
        { scores: [3, 1], times: [2, 3] },
      ],
      50,
    );
    const twoRows = new SearchSpace({ row: { type: 'int', min: 0, max: 1, scale: 'linear' } });
    const run = () =>
      simulate({
        table,
        space: twoRows,
        scheduler: fifoScheduler(2),
        sampler: { name: 'r', suggest: ({ space: s, rng }) => s.sample(rng) },
        workers: 3,
        seed: 7,
      });
    // Act / Assess
    expect(run().improvements).toEqual(run().improvements);
  });
});
