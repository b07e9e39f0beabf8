import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbedded, type Embedded } from '../../runtime/embedded.js';
import { LAMBDA_TASKS } from '../../infra/workflow-contract.js';
import { root, runStudy } from '../support/embedded.js';

/**
 * Lambda throttling (`Lambda.TooManyRequestsException`, what a new account's low concurrency gives
 * RunRung's burst of StartTrial calls) and lost answers (`Lambda.Unknown`), injected into every
 * Lambda Task of the synthesized machines: their Retry rules absorb both and the study ends as
 * it would without them, with nothing counted twice.
 */
const lambdaStates = new Set(Object.keys(LAMBDA_TASKS));
const injected = { throttled: 0, lost: 0 };
let calls = 0;

function fault(name: string): Error {
  const e = new Error(`injected ${name}`);
  e.name = name;
  return e;
}

let runtime: Embedded;
let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'rung-lambda-faults-'));
  runtime = await startEmbedded({
    scratchDir: scratch,
    jobCwd: root,
    task: async (state, _input, run) => {
      if (!lambdaStates.has(state)) return run();
      calls++;
      // Every third call is throttled before it runs; every fifth runs but its answer is lost.
      if (calls % 3 === 0) {
        injected.throttled++;
        throw fault('Lambda.TooManyRequestsException');
      }
      const result = await run();
      if (calls % 5 === 0) {
        injected.lost++;
        throw fault('Lambda.Unknown');
      }
      return result;
    },
  });
});
afterAll(async () => {
  await runtime?.close();
  await rm(scratch, { recursive: true, force: true });
});

/** A job that reports one measurement at its target step, as the trainer clients do. */
const job = [
  'node',
  '-e',
  [
    'const p = JSON.parse(process.env.RUNG_PARAMS); const to = Number(process.env.RUNG_RESOURCE_TO);',
    "const url = process.env.RUNG_API_URL + '/studies/' + process.env.RUNG_STUDY_ID + '/trials/' + process.env.RUNG_TRIAL_ID + '/measurements';",
    "const headers = { authorization: 'Bearer ' + process.env.RUNG_API_TOKEN, 'content-type': 'application/json', 'x-rung-team': process.env.RUNG_TEAM };",
    'fetch(url, { method: "POST", headers, body: JSON.stringify({ step: to, metrics: { acc: p.x * to } }) }).then((r) => process.exit(r.ok ? 0 : 1));',
  ].join(' '),
];

describe('Lambda faults injected into every Lambda Task', () => {
  it.each([
    ['hyperband (BracketMachine)', { type: 'hyperband', min: 1, max: 9, eta: 3 }],
    ['asha (LaneMachine)', { type: 'asha', min: 1, max: 9, eta: 3 }],
  ])('%s: retried with backoff, the study completes, one measurement per step', async (_name, scheduler) => {
    // Act
    const before = { ...injected };
    const { study, trials } = await runStudy(runtime, {
      name: `faults-${scheduler.type}`,
      objective: { metric: 'acc', goal: 'maximize' },
      parameters: { x: { type: 'float', min: 0, max: 1 } },
      strategy: { sampler: 'random', scheduler, seed: 5 },
      limits: { maxTrials: 9, parallelism: 3 },
      trial: { command: job, gpus: 0, retries: 0 },
    });

    // Assess
    expect(injected.throttled - before.throttled).toBeGreaterThan(3);
    expect(injected.lost - before.lost).toBeGreaterThan(1);
    expect(study.state, study.error).toBe('COMPLETED');
    expect(trials.length).toBeGreaterThan(0);
    expect(trials.filter((t) => t.state === 'FAILED')).toEqual([]);
    for (const t of trials) {
      const steps = (await runtime.store.listMeasurements('local', study.studyId, t.trialId)).map((m) => m.step);
      expect(steps.length).toBeGreaterThan(0);
      expect(new Set(steps).size).toBe(steps.length);
    }
  });
});
