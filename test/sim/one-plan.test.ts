import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Sampler } from '../../shared/samplers/sampler.js';
import { planBrackets, type Bracket } from '../../shared/schedulers/brackets.js';
import { syncHalvingScheduler } from '../../shared/schedulers/hyperband.js';
import { simulate } from '../../shared/sim/simulator.js';
import { SearchSpace } from '../../shared/space/space.js';
import { schedulerSchema } from '../../shared/study/spec.js';
import { tinyTable } from './tiny-table.js';

const rows = 7;
const space = new SearchSpace({ row: { type: 'int', min: 0, max: rows - 1, scale: 'linear' } });
const cycle: Sampler = { name: 'cycle', suggest: ({ index }) => ({ row: index % rows }) };

/**
 * The plan the simulator ran, read back from its trace: per bracket, its first trial and, at each
 * resource where one of its trials paused or completed, how many of its trials trained that far.
 */
function simulatedPlan(trace: ReturnType<typeof simulate>['trace']): Bracket[] {
  const bracketOf = new Map<number, number>();
  const reached = new Map<number, number>();
  const ends = new Map<number, Set<number>>();
  for (const e of trace) {
    if (e.kind === 'start') bracketOf.set(e.trial, e.bracket);
    if (e.kind !== 'report') continue;
    reached.set(e.trial, Math.max(reached.get(e.trial) ?? 0, e.epoch));
    if (e.decision === 'PAUSE' || e.decision === 'COMPLETE') {
      const b = bracketOf.get(e.trial)!;
      if (!ends.has(b)) ends.set(b, new Set());
      ends.get(b)!.add(e.epoch);
    }
  }
  return [...ends.keys()]
    .sort((a, b) => a - b)
    .map((index) => {
      const members = [...bracketOf].filter(([, b]) => b === index).map(([t]) => t);
      return {
        index,
        firstTrial: Math.min(...members),
        rungs: [...ends.get(index)!]
          .sort((a, b) => a - b)
          .map((resource) => ({ resource, trials: members.filter((t) => (reached.get(t) ?? 0) >= resource).length })),
      };
    });
}

describe('one scheduler model', () => {
  it('the simulator runs exactly the brackets the BracketMachine plans, for any geometry and maxTrials', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('successive_halving' as const, 'hyperband' as const),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 2, max: 5 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.integer({ min: 0, max: 20 }), { minLength: rows * 2, maxLength: rows * 2 }),
        (type, min, eta, extra, maxTrials, workers, draws) => {
          // Prepare: max / min at least eta (the spec's rule), curves and epoch times of every shape.
          const max = min * eta + extra;
          const spec = schedulerSchema.parse({ type, min, max, eta });
          const curve = (seed: number) => Array.from({ length: max }, (_, e) => ((seed * 7 + e * (seed % 5)) % 23) + e / max);
          const table = tinyTable(
            Array.from({ length: rows }, (_, r) => ({
              scores: curve(draws[r]),
              times: Array.from({ length: max }, (_, e) => (e + 1) * (1 + draws[rows + r])),
            })),
            Infinity,
          );
          const scheduler = syncHalvingScheduler({ type, minResource: min, maxResource: max, eta, maxTrials });
          // Act: run until the plan is done (no time limit), and the product's plan.
          const result = simulate({ table, space, scheduler, sampler: cycle, workers, seed: 0, trace: true });
          const planned = planBrackets(spec, maxTrials);
          // Assess: the same brackets, trial numbers, rungs and counts; every planned trial opened.
          expect(simulatedPlan(result.trace)).toEqual(planned);
          expect(result.trials).toBe(planned.reduce((n, b) => n + b.rungs[0].trials, 0));
        },
      ),
      { numRuns: 100 },
    );
  });
});
