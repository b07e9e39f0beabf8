import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  optimize,
  RungApiError,
  RungClient,
  type Params,
  type ParetoPoint,
  type ParetoReport,
  type TrialHandle,
} from '../../clients/typescript/rung-client.js';
import { startEmbedded, type Embedded } from '../../runtime/embedded.js';

/** The TypeScript and Python ask/tell clients against the local API of the embedded runtime. */
let runtime: Embedded;
let scratch: string;
let client: RungClient;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'rung-clients-'));
  runtime = await startEmbedded({ scratchDir: scratch });
  client = new RungClient({ apiUrl: runtime.apiUrl!, token: runtime.token });
});
afterAll(async () => {
  await runtime?.close();
  await rm(scratch, { recursive: true, force: true });
});

const spec = (name: string) => ({
  name,
  objective: { metric: 'loss', goal: 'minimize' },
  parameters: { x: { type: 'float', min: 0, max: 1 }, kind: { type: 'categorical', values: ['plain', 'broken'] } },
  strategy: { execution: 'external', sampler: 'random', seed: 9, scheduler: { type: 'successive_halving', min: 1, max: 9, eta: 3 } },
  limits: { maxTrials: 8 },
  trial: { command: ['external-worker'] },
});

const hasPython = spawnSync('python3', ['--version']).status === 0;

describe('ask/tell clients against the local API', () => {
  it('TypeScript: two workers run a study to the end, with infeasible trials and an enqueued config', async () => {
    // Prepare
    const study = await client.createStudy(spec('ts-workers'));
    await client.enqueue(study.studyId, [{ x: 0.3, kind: 'plain' }]);
    const objective = async (params: Params, trial: TrialHandle) => {
      if (params.kind === 'broken') throw new Error('this kind diverges');
      for (let step = 1; step <= trial.maxResource; step++) {
        const loss = ((params.x as number) - 0.3) ** 2 + 1 / step;
        if ((await trial.report(step, { loss })).shouldStop) return { pruned: true };
      }
      return {};
    };
    // Act
    const [a, b] = await Promise.all([
      optimize(client, study.studyId, 'ts-a', objective),
      optimize(client, study.studyId, 'ts-b', objective),
    ]);
    const done = await client.getStudy(study.studyId);
    // Assess
    const all = [...a, ...b];
    expect(all.map((t) => Number(t.trialId)).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(done.state).toBe('COMPLETED');
    const states = new Set(all.map((t) => t.state));
    expect(states.has('INFEASIBLE')).toBe(true);
    expect(all.find((t) => t.trialId === '0')).toMatchObject({ params: { x: 0.3, kind: 'plain' }, state: 'COMPLETE', resource: 9 });
    // The enqueued optimum trains to the end and is the best: loss 0 + 1/9.
    expect(done.best).toMatchObject({ trialId: '0', value: 1 / 9 });
    // One objective: the front is the best trial.
    const pareto = await client.pareto(study.studyId);
    expect(pareto.front).toEqual([{ trialId: '0', number: 0, params: { x: 0.3, kind: 'plain' }, values: { loss: 1 / 9 } }]);
    await expect(client.suggest('no-such-study', 'ts-a')).rejects.toMatchObject({ status: 404, code: 'NotFound' });
    await expect(client.suggest(study.studyId, '')).rejects.toBeInstanceOf(RungApiError);
  });

  it('a restarted worker reports a step again with another value: the first stands, the handle goes on, the raw report says 409', async () => {
    // Prepare: a worker took trial 0 and reported step 1, then died.
    const study = await client.createStudy({ ...spec('restarted'), limits: { maxTrials: 1 } });
    const { trial } = await client.suggest(study.studyId, 'w');
    await client.report(study.studyId, trial!.trialId, 1, { loss: 0.5 });
    // Act: the same clientId gets its trial back and trains it again, to other values.
    const raw = await client.report(study.studyId, trial!.trialId, 1, { loss: 0.3 }).catch((e: unknown) => e);
    const answers: { stored: boolean; shouldStop: boolean; conflict?: string }[] = [];
    const done = await optimize(client, study.studyId, 'w', async (_params, handle) => {
      answers.push(await handle.report(1, { loss: 0.4 }));
      return { metrics: { loss: 0.4 } };
    });
    // Assess
    expect(answers).toEqual([{ stored: false, shouldStop: false, conflict: expect.stringContaining('MeasurementConflict') }]);
    expect(done.map((t) => [t.trialId, t.state])).toEqual([[trial!.trialId, 'COMPLETE']]);
    expect(raw).toMatchObject({ status: 409, code: 'MeasurementConflict' });
  });

  it.skipIf(!hasPython)('Python: the trial handle keeps the first report of a step the same way', async () => {
    // Prepare
    const study = await client.createStudy({ ...spec('restarted-py'), limits: { maxTrials: 1 } });
    const { trial } = await client.suggest(study.studyId, 'w');
    await client.report(study.studyId, trial!.trialId, 1, { loss: 0.5 });
    const script = [
      'import json, sys',
      'from rung_client import RungClient, TrialHandle',
      'c = RungClient(sys.argv[1], token=sys.argv[2])',
      'h = TrialHandle(c, sys.argv[3], {"trialId": sys.argv[4], "params": {}}, 1)',
      'print(json.dumps([h.report(1, {"loss": 0.5}), h.report(1, {"loss": 0.2})]))',
    ].join('\n');
    // Act
    const res = await promisify(execFile)('python3', ['-c', script, runtime.apiUrl!, runtime.token, study.studyId, trial!.trialId], {
      env: { ...process.env, PYTHONPATH: path.join(import.meta.dirname, '../../clients/python') },
      encoding: 'utf8',
    });
    // Assess
    expect(JSON.parse(res.stdout)).toEqual([
      { stored: false, shouldStop: false },
      { stored: false, shouldStop: false, conflict: expect.stringContaining('MeasurementConflict') },
    ]);
    expect(
      (await client.request<{ measurements: unknown[] }>('GET', `/studies/${study.studyId}/trials/${trial!.trialId}`)).measurements,
    ).toEqual([expect.objectContaining({ step: 1, metrics: { loss: 0.5 } })]);
  });

  it.skipIf(!hasPython)('Python (stdlib only): two worker threads run a Pareto study to the end, then read its front', async () => {
    // Prepare: loss (lowest at x = 0.3) against size (= x), so the front holds several trials.
    const { objective: _single, ...single } = spec('py-workers');
    const study = await client.createStudy({
      ...single,
      objectives: [
        { metric: 'loss', goal: 'minimize' },
        { metric: 'size', goal: 'minimize' },
      ],
    });
    // Act
    // Asynchronously: the API this test serves runs on this process's event loop.
    const res = await promisify(execFile)('python3', [path.join(import.meta.dirname, 'python_worker.py')], {
      env: { ...process.env, RUNG_API_URL: runtime.apiUrl!, RUNG_API_TOKEN: runtime.token, STUDY_ID: study.studyId },
      encoding: 'utf8',
      timeout: 60_000,
    });
    const out = JSON.parse(res.stdout);
    // Assess
    const ids = [...out.workers['py-a'], ...out.workers['py-b']].map(Number).sort((x: number, y: number) => x - y);
    expect(ids).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(out.study).toMatchObject({ state: 'COMPLETED', trialCounts: expect.objectContaining({ COMPLETE: expect.any(Number) }) });
    expect(out.study.best.value).toBeGreaterThan(0);
    expect(out.refused).toEqual({ status: 404, code: 'NotFound' });
    const pareto = out.pareto as ParetoReport;
    expect(pareto).toMatchObject({
      objectives: [
        { metric: 'loss', goal: 'minimize' },
        { metric: 'size', goal: 'minimize' },
      ],
      reference: { loss: expect.any(Number), size: expect.any(Number) },
      hypervolume: expect.any(Number),
    });
    expect(pareto.hypervolume).toBeGreaterThan(0);
    expect(pareto.front.length).toBeGreaterThan(0);
    for (const p of [...pareto.front, ...pareto.dominated, ...pareto.infeasible]) {
      expect(p).toEqual({
        trialId: expect.any(String),
        number: Number(p.trialId),
        params: expect.objectContaining({ x: expect.any(Number) }),
        values: { loss: expect.any(Number), size: p.params.x },
      });
      expect(ids).toContain(p.number);
    }
    // No trial of the front dominates another (both objectives are minimized).
    const dominates = (a: ParetoPoint, b: ParetoPoint) =>
      a.values.loss <= b.values.loss && a.values.size <= b.values.size && (a.values.loss < b.values.loss || a.values.size < b.values.size);
    for (const a of pareto.front) for (const b of pareto.front) expect(dominates(a, b)).toBe(false);
    for (const d of pareto.dominated) expect(pareto.front.some((f) => dominates(f, d))).toBe(true);
  });
});
