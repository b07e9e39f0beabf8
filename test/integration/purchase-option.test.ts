import { describe, expect, it } from 'vitest';
import { createStudy, finish, useEmbedded } from '../support/embedded.js';

/**
 * `trial.spot` on the embedded runtime, which runs the synthesized TrainTrial state: its JobQueue
 * is picked from the stack's two queues by the job's `queue` (Spot, or on-demand), and LocalBatch
 * takes jobs only on the template's queues, as Batch does. A job on the Spot queue can be
 * reclaimed (and is retried); one on the on-demand queue cannot. Without Spot capacity, Batch
 * cancels a Spot job after the queue's wait and the workflow runs the slice on demand.
 */
const env = useEmbedded('rung-purchase-');

// Waits a second (the test reclaims it meanwhile), then reports its rung's value.
const job = [
  'node',
  '-e',
  [
    'setTimeout(() => {',
    "const url = process.env.RUNG_API_URL + '/studies/' + process.env.RUNG_STUDY_ID + '/trials/' + process.env.RUNG_TRIAL_ID + '/measurements';",
    "const headers = { authorization: 'Bearer ' + process.env.RUNG_API_TOKEN, 'content-type': 'application/json' };",
    'const to = Number(process.env.RUNG_RESOURCE_TO);',
    'fetch(url, { method: "POST", headers, body: JSON.stringify({ step: to, metrics: { acc: 0.5 } }) }).then((r) => process.exit(r.ok ? 0 : 1));',
    '}, 1000);',
  ].join(' '),
];

async function firstRunningJob() {
  for (;;) {
    const [running] = env.runtime.batch.running();
    if (running) return running;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('trial.spot picks the job queue', () => {
  it.each([
    [true, 'Spot first: the reclaimed attempt is retried', true],
    [false, 'on-demand only: no reclaim reaches the job', false],
  ])('spot: %s, %s', async (spot, _what, reclaimed) => {
    // Prepare
    const study = await createStudy(env.runtime, {
      name: `purchase-${spot}`,
      objective: { metric: 'acc', goal: 'maximize' },
      parameters: { x: { type: 'float', min: 0, max: 1 } },
      strategy: { sampler: 'random', scheduler: { type: 'fifo', max: 1 }, seed: 2 },
      limits: { maxTrials: 1, parallelism: 1 },
      trial: { command: job, gpus: 0, retries: 1, spot },
    });

    // Act
    const running = await firstRunningJob();
    const answer = env.runtime.batch.reclaim(running.jobName);
    const { study: ended, trials } = await finish(env.runtime, study.studyId);

    // Assess
    expect(running.spot).toBe(spot);
    expect(answer).toBe(reclaimed);
    expect(ended.state, ended.error).toBe('COMPLETED');
    expect(trials.map((t) => t.state)).toEqual(['COMPLETE']);
    expect(env.trialLog(study.studyId, trials[0]!).some((l) => l.includes('retrying, attempt 2'))).toBe(reclaimed);
  });

  it("no Spot capacity: the job is cancelled after the queue's wait and the slice runs on demand", async () => {
    // Prepare
    env.runtime.batch.spotShortage = { waitSeconds: 0.3 };
    try {
      const study = await createStudy(env.runtime, {
        name: 'purchase-shortage',
        objective: { metric: 'acc', goal: 'maximize' },
        parameters: { x: { type: 'float', min: 0, max: 1 } },
        strategy: { sampler: 'random', scheduler: { type: 'asha', min: 1, max: 3, eta: 3 }, seed: 2 },
        limits: { maxTrials: 2, parallelism: 1 },
        trial: { command: job, gpus: 0, retries: 0 },
      });

      // Act
      const running = await firstRunningJob();
      const { study: ended, trials } = await finish(env.runtime, study.studyId);

      // Assess: the on-demand run's result is the slice's; the cancelled wait left no error behind.
      expect(running.spot).toBe(false);
      expect(ended.state, ended.error).toBe('COMPLETED');
      expect(trials.filter((t) => t.state === 'FAILED')).toEqual([]);
      expect(trials.filter((t) => t.state === 'COMPLETE').length).toBeGreaterThan(0);
    } finally {
      env.runtime.batch.spotShortage = undefined;
    }
  });
});
