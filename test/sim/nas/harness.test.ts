import { describe, expect, it } from 'vitest';
import { normalizedRegret, replayBlackBox, type BlackBoxTask } from '../../../shared/nas/blackbox.js';
import type { Sampler } from '../../../shared/samplers/sampler.js';
import type { Params } from '../../../shared/space/schema.js';

/** A hand-made table: one parameter a in {p, q, r, s}; s is absent (infeasible), r too slow. */
const table: Record<string, { perf: number; latency: number }> = {
  p: { perf: 0.5, latency: 1 },
  q: { perf: 0.7, latency: 2 },
  r: { perf: 0.9, latency: 5 },
};
const task: BlackBoxTask = {
  name: 'tiny',
  parameters: { a: { type: 'categorical', values: ['p', 'q', 'r', 's'] } },
  yStar: 0.7, // best feasible (latency <= 2)
  yRef: 0.6, // median feasible of 0.5 and 0.7
  evaluate(params: Params) {
    const hit = table[String(params.a)];
    if (!hit) return { score: NaN, feasible: false, violation: NaN };
    return { score: hit.perf, feasible: hit.latency <= 2, violation: hit.latency - 2 };
  },
};

/** Replays a fixed list of suggestions. */
const scripted = (list: string[]): Sampler => ({ name: 'scripted', suggest: ({ index }) => ({ a: list[index] }) });

describe('black-box NAS harness', () => {
  it('scores regret against the best feasible value at evaluation counts, 1.0 while nothing is feasible', () => {
    // Prepare: s (absent), r (too slow), p, p again (a repeat costs budget), q.
    const sampler = scripted(['s', 'r', 'p', 'p', 'q']);
    // Act
    const result = replayBlackBox(task, sampler, 0, 5, [1, 2, 3, 4, 5]);
    // Assess: (0.7 - 0.5) / 0.1 = 2 (not clipped), then 0 once q is found.
    expect(result.regrets.map((r) => +r.toFixed(6))).toEqual([1, 1, 2, 2, 0]);
    expect(result.distinct).toBe(4);
    expect(result.feasible).toBe(3);
  });

  it('passes feasibility and constraint values to the sampler', () => {
    // Prepare
    const seen: unknown[] = [];
    const sampler: Sampler = {
      name: 'spy',
      suggest: ({ observations, index }) => (seen.push(observations.at(-1)), { a: ['s', 'r', 'p'][index] }),
    };
    // Act
    replayBlackBox(task, sampler, 0, 3, [3]);
    // Assess
    expect(seen[1]).toMatchObject({ feasible: false, params: { a: 's' } });
    expect(seen[2]).toMatchObject({ feasible: false, violation: 3, score: 0.9 });
    expect(normalizedRegret(undefined, 1, 0)).toBe(1);
  });
});
