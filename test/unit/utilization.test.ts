import { describe, expect, it } from 'vitest';
import { utilization } from '../../shared/analysis/utilization.js';

const job = (start: number, end: number) => ({
  rung: 0,
  startedAt: new Date(start * 1000).toISOString(),
  endedAt: new Date(end * 1000).toISOString(),
  seconds: end - start,
});

describe('worker utilization', () => {
  it('is the trained job-seconds over parallelism times the span', () => {
    // Two workers over 10 s; one trains 10 s, the other only 5 s (a rung barrier): 15 / 20.
    const u = utilization([{ jobs: [job(0, 10)] }, { jobs: [job(0, 5)] }], 2, new Date(0));
    expect(u).toEqual({ busySeconds: 15, spanSeconds: 10, busyFraction: 0.75 });
  });

  it('counts a running job up to now, and says nothing before the first job', () => {
    const running = { jobs: [{ rung: 0, startedAt: new Date(0).toISOString() }] };
    expect(utilization([running], 1, new Date(4000))).toMatchObject({ busySeconds: 4, busyFraction: 1 });
    expect(utilization([{}], 4, new Date(0))).toBeUndefined();
  });
});
