import { describe, expect, it } from 'vitest';
import { closeJob } from '../../shared/study/engine/ledger.js';
import type { Study, Trial } from '../../shared/study/types.js';

/** A job's GPU time is the sum of its attempts' runs: a retried job pays each attempt, never its queue time. */
const study = { spec: { trial: {} } } as unknown as Study;
const trial = { jobs: [{ rung: 0, startedAt: '2026-01-01T00:00:00.000Z' }] } as unknown as Trial;
const at = new Date('2026-01-01T02:00:00.000Z');
const t0 = Date.parse('2026-01-01T00:00:00.000Z');
const min = 60_000;

describe('the runtime a job is charged for', () => {
  it('sums every attempt of a retried job from the .sync result, leaving out the queue time between them', () => {
    // Act: attempt 1 ran 10-30 min (reclaimed), attempt 2 queued until 50 and ran to 70.
    const [job] = closeJob(study, trial, at, {
      jobResult: {
        StartedAt: t0 + 10 * min,
        StoppedAt: t0 + 70 * min,
        AttemptsStartedAt: [t0 + 10 * min, t0 + 50 * min],
        AttemptsStoppedAt: [t0 + 30 * min, t0 + 70 * min],
      },
    })!;

    // Assess: 40 minutes, not the 60 between the first start and the last stop, nor the 120 of the step times.
    expect(job!.seconds).toBe(40 * 60);
  });

  it('sums the attempts of a failed job from its Cause (Batch’s description), skipping one that never started', () => {
    const cause = JSON.stringify({
      StartedAt: t0,
      StoppedAt: t0 + 25 * min,
      Attempts: [
        { StartedAt: t0, StoppedAt: t0 + 5 * min },
        { StatusReason: 'CannotStartContainerError' },
        { StartedAt: t0 + 20 * min, StoppedAt: t0 + 25 * min },
      ],
    });
    const [job] = closeJob(study, trial, at, { jobError: { Error: 'States.TaskFailed', Cause: cause } })!;
    expect(job!.seconds).toBe(10 * 60);
  });

  it('falls back to the job’s StartedAt..StoppedAt without attempts, and to the step times without either', () => {
    expect(closeJob(study, trial, at, { jobResult: { StartedAt: t0, StoppedAt: t0 + 3 * min } })![0]!.seconds).toBe(180);
    expect(closeJob(study, trial, at)![0]!.seconds).toBe(2 * 3600);
  });
});

describe('the rate a job is charged at', () => {
  const spotStudy = { spec: { trial: { spot: true, instanceTypes: ['g5.xlarge'] } } } as unknown as Study;
  const hour = { jobResult: { StartedAt: t0, StoppedAt: t0 + 60 * min } };

  it('is Spot for a Spot study’s job on the Spot queue, and on-demand for one that fell back to the on-demand queue', () => {
    // Act
    const [onSpot] = closeJob(spotStudy, trial, at, { ...hour, job: { queue: 0 } })!;
    const [fellBack] = closeJob(spotStudy, trial, at, { ...hour, job: { queue: 1 } })!;
    const [unknown] = closeJob(spotStudy, trial, at, hour)!;

    // Assess: g5.xlarge at 0.42 (Spot) and 1.006 (on demand) USD per hour (shared/cost/prices.ts).
    expect(onSpot!.costUsd).toBeCloseTo(0.42, 6);
    expect(fellBack!.costUsd).toBeCloseTo(1.006, 6);
    expect(unknown!.costUsd).toBeCloseTo(0.42, 6);
  });
});
