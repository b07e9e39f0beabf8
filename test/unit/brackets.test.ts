import { describe, expect, it } from 'vitest';
import { bracketHistoryEvents, bracketTrialNumbers, historyEventLimit, planBrackets } from '../../shared/schedulers/brackets.js';
import { schedulerSchema } from '../../shared/study/spec.js';

const hyperband = (min: number, max: number, eta = 3) => schedulerSchema.parse({ type: 'hyperband', min, max, eta });
const shape = (b: ReturnType<typeof planBrackets>[number]) => b.rungs.map((r) => [r.trials, r.resource]);

describe('bracket plan', () => {
  it('follows Hyperband (Li et al.) for R = 27, eta = 3', () => {
    // Act
    const brackets = planBrackets(hyperband(1, 27), 49);
    // Assess: the table of the Hyperband paper, s = 3 .. 0.
    expect(brackets.map(shape)).toEqual([
      [
        [27, 1],
        [9, 3],
        [3, 9],
        [1, 27],
      ],
      [
        [12, 3],
        [4, 9],
        [1, 27],
      ],
      [
        [6, 9],
        [2, 27],
      ],
      [[4, 27]],
    ]);
    expect(brackets.map((b) => b.firstTrial)).toEqual([0, 27, 39, 45]);
  });

  it('repeats brackets and cuts the last one to maxTrials', () => {
    const brackets = planBrackets(hyperband(1, 9), 20);
    // s_max = 2: brackets of 9, 5 (ceil(3/2*3)), 3, then 3 of the next 9.
    expect(brackets.map((b) => b.rungs[0].trials)).toEqual([9, 5, 3, 3]);
    expect(shape(brackets[3])).toEqual([
      [3, 1],
      [1, 3],
      [1, 9],
    ]);
    const numbers = brackets.flatMap(bracketTrialNumbers);
    expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('starts every trial at min for successive halving', () => {
    const [bracket] = planBrackets(schedulerSchema.parse({ type: 'successive_halving', min: 1, max: 16, eta: 2 }), 32);
    expect(shape(bracket)).toEqual([
      [32, 1],
      [16, 2],
      [8, 4],
      [4, 8],
      [2, 16],
    ]);
  });

  it('puts rungs at min, min*eta, ... below max, then max, when max / min is not a power of eta', () => {
    // Act: the geometry of the lcbench benchmark (52 epochs); one full Hyperband cycle.
    const brackets = planBrackets(hyperband(1, 52), 143);
    // Assess: s_max = 4 (rungs 1, 3, 9, 27, 52, as ASHA's ladder), sizes ceil(5/(s+1) * 3^s).
    // Before one plan served the BracketMachine and the simulator, these rungs were 2, 6, 17, 52.
    expect(brackets.map(shape)).toEqual([
      [
        [81, 1],
        [27, 3],
        [9, 9],
        [3, 27],
        [1, 52],
      ],
      [
        [34, 3],
        [11, 9],
        [3, 27],
        [1, 52],
      ],
      [
        [15, 9],
        [5, 27],
        [1, 52],
      ],
      [
        [8, 27],
        [2, 52],
      ],
      [[5, 52]],
    ]);
    expect(brackets.map((b) => b.firstTrial)).toEqual([0, 81, 115, 130, 138]);
  });

  it('honours min', () => {
    // Act / Assess: min 2 starts the ladder at 2 (it was ignored: 6, 17, 52).
    expect(planBrackets(hyperband(2, 52), 30).map(shape)).toEqual([
      [
        [27, 2],
        [9, 6],
        [3, 18],
        [1, 52],
      ],
      [
        [3, 6],
        [1, 18],
        [1, 52],
      ],
    ]);
    const [bracket] = planBrackets(schedulerSchema.parse({ type: 'successive_halving', min: 1, max: 52, eta: 3 }), 100);
    expect(shape(bracket)).toEqual([
      [100, 1],
      [33, 3],
      [11, 9],
      [3, 27],
      [1, 52],
    ]);
  });

  it('runs every trial to max in one rung without a scheduler', () => {
    expect(planBrackets(schedulerSchema.parse({ type: 'fifo', max: 5 }), 7).map(shape)).toEqual([[[7, 5]]]);
  });

  it('keeps resources exact when min and max are not integers', () => {
    const [bracket] = planBrackets(hyperband(0.25, 2.25), 9);
    expect(bracket.rungs.map((r) => r.resource)).toEqual([0.25, 0.75, 2.25]);
  });

  it('bounds the history of the largest bracket a study may have', () => {
    // 10,000 trials of plain search in one bracket would exceed the 25,000-event history.
    const fifo = planBrackets(schedulerSchema.parse({ type: 'fifo' }), 10_000);
    expect(bracketHistoryEvents(fifo[0])).toBeGreaterThan(historyEventLimit);
    // 1,000 trials stay well inside it.
    const small = planBrackets(schedulerSchema.parse({ type: 'fifo' }), 1_000);
    expect(bracketHistoryEvents(small[0])).toBeLessThan(historyEventLimit);
  });
});
