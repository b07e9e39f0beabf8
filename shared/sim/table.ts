import type { Params } from '../space/schema.js';

/**
 * What the simulator needs from a tabulated benchmark: a finite set of learning curves, the
 * mapping from a suggested configuration to its row, and the protocol's normalization. The lcbench
 * table implements it; tests use tiny hand-made tables.
 */
export interface CurveTable {
  readonly name: string;
  readonly maxEpoch: number;
  /** Simulated wall-clock budget T (seconds). */
  readonly budget: number;
  /** Best value anywhere in the table, and the median final value (regret normalization). */
  readonly yStar: number;
  readonly yMed: number;
  nearestRow(params: Params): number;
  /** Score reported after `epoch` (1-based). */
  score(row: number, epoch: number): number;
  /** Cumulative (non-decreasing) seconds to train `row` from scratch to `epoch`; 0 at epoch 0. */
  timeAt(row: number, epoch: number): number;
}
