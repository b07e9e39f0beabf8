import type { Params } from '../../shared/space/schema.js';
import type { CurveTable } from '../../shared/sim/table.js';

/**
 * A hand-made table for simulator tests: row r is chosen by the parameter `row` (an int), each row
 * has its own score curve and cumulative times, so expected report times can be worked out by hand.
 */
export function tinyTable(rows: { scores: number[]; times: number[] }[], budget: number): CurveTable {
  const maxEpoch = rows[0].scores.length;
  const finals = rows.map((r) => r.scores[maxEpoch - 1]).sort((a, b) => a - b);
  return {
    name: 'tiny',
    maxEpoch,
    budget,
    yStar: Math.max(...rows.flatMap((r) => r.scores)),
    yMed: finals.length % 2 ? finals[finals.length >> 1] : (finals[finals.length / 2 - 1] + finals[finals.length / 2]) / 2,
    nearestRow: (p: Params) => Number(p.row),
    score: (row, epoch) => rows[row].scores[epoch - 1],
    timeAt: (row, epoch) => (epoch === 0 ? 0 : rows[row].times[epoch - 1]),
  };
}
