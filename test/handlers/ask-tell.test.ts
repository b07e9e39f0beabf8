import { beforeEach, describe, expect, it } from 'vitest';
import type { DynamoStore } from '../../shared/store/dynamo.js';
import { callApi, testApi, useDynalite, type TestApi } from '../support/rest-api.js';

/** Ask/tell on the REST API, on dynalite: external studies, suggest, measurements with ASHA advice, complete. */
const dynalite = useDynalite();
let table = 0;
let store: DynamoStore;
let started: string[];
let api: TestApi;

beforeEach(async () => {
  store = await dynalite.store(`ask-${++table}`);
  started = [];
  let n = 0;
  api = testApi(
    { store, now: () => new Date(Date.UTC(2026, 0, 1, 0, 0, n)), random: () => ((n = (n * 7 + 3) % 36), n / 36) },
    { start: async (_input, name) => void started.push(name) },
  );
});

const call = (method: string, path: string, body?: unknown, token?: string) => callApi(api, method, path, body, token);

const externalSpec = (overrides: Record<string, unknown> = {}) => ({
  name: 'external',
  objective: { metric: 'loss', goal: 'minimize' },
  parameters: { x: { type: 'float', min: -1, max: 1 }, kind: { type: 'categorical', values: ['a', 'b'] } },
  strategy: { execution: 'external', seed: 4, scheduler: { type: 'fifo', max: 1 } },
  limits: { maxTrials: 3 },
  trial: { command: ['my-worker'] },
  ...overrides,
});

describe('ask/tell on the REST API', () => {
  it('runs an external study to completion: no workflow, one trial per client until it completes, best recorded', async () => {
    // Prepare
    const { body: study } = await call('POST', '/studies', externalSpec());
    const base = `/studies/${study.studyId}`;
    // Act
    const a1 = await call('POST', `${base}/trials/suggest`, { clientId: 'worker-a' });
    const a1again = await call('POST', `${base}/trials/suggest`, { clientId: 'worker-a' });
    const b1 = await call('POST', `${base}/trials/suggest`, { clientId: 'worker-b' });
    const report = await call('POST', `${base}/trials/${a1.body.trial.trialId}/measurements`, { step: 1, metrics: { loss: 0.3 } });
    const doneA = await call('POST', `${base}/trials/${a1.body.trial.trialId}/complete`, {});
    const retried = await call('POST', `${base}/trials/${a1.body.trial.trialId}/complete`, {});
    const doneB = await call('POST', `${base}/trials/${b1.body.trial.trialId}/complete`, { metrics: { loss: 0.1 } });
    const a2 = await call('POST', `${base}/trials/suggest`, { clientId: 'worker-a' });
    const infeasible = await call('POST', `${base}/trials/${a2.body.trial.trialId}/complete`, {
      infeasible: true,
      reason: 'out of memory',
    });
    const after = await call('POST', `${base}/trials/suggest`, { clientId: 'worker-a' });
    const shown = await call('GET', base);
    // Assess
    expect(started).toEqual([]);
    expect(a1.status).toBe(200);
    expect(a1.body).toMatchObject({
      done: false,
      trial: { trialId: '0', state: 'RUNNING', clientId: 'worker-a' },
      resource: { name: 'epoch', max: 1, levels: [1] },
    });
    expect(a1again.body.trial).toEqual(a1.body.trial);
    expect(b1.body.trial.trialId).toBe('1');
    expect(b1.body.trial.params).not.toEqual(a1.body.trial.params);
    expect(report.body).toEqual({ stored: true, shouldStop: false });
    expect(doneA.body).toMatchObject({ changed: true, trial: { state: 'COMPLETE', value: 0.3, resource: 1 } });
    expect(retried.status).toBe(200);
    expect(retried.body.changed).toBe(false);
    expect(doneB.body.trial).toMatchObject({ state: 'COMPLETE', value: 0.1 });
    expect(a2.body.trial.trialId).toBe('2');
    expect(infeasible.body.trial).toMatchObject({ state: 'INFEASIBLE', error: 'out of memory' });
    expect(after.body).toEqual({ done: true, trial: null });
    expect(shown.body).toMatchObject({
      state: 'COMPLETED',
      best: { trialId: '1', value: 0.1 },
      trialCounts: { COMPLETE: 2, INFEASIBLE: 1 },
    });
  });

  it('suggests the same parameters for the same seed and trial number (seeded per trial)', async () => {
    const first = await call('POST', '/studies', externalSpec());
    const second = await call('POST', '/studies', externalSpec());
    const p1 = await call('POST', `/studies/${first.body.studyId}/trials/suggest`, { clientId: 'w' });
    const p2 = await call('POST', `/studies/${second.body.studyId}/trials/suggest`, { clientId: 'other' });
    expect(p1.body.trial.params).toEqual(p2.body.trial.params);
  });

  it('answers shouldStop by ASHA: a trial below the top 1/eta at a rung level is told to stop', async () => {
    // Prepare: levels 1, 3, 9 (eta 3).
    const { body: study } = await call(
      'POST',
      '/studies',
      externalSpec({
        strategy: { execution: 'external', seed: 1, scheduler: { type: 'successive_halving', min: 1, max: 9, eta: 3 } },
        limits: { maxTrials: 10 },
      }),
    );
    const base = `/studies/${study.studyId}`;
    const ids: string[] = [];
    for (const w of ['a', 'b', 'c', 'd']) ids.push((await call('POST', `${base}/trials/suggest`, { clientId: w })).body.trial.trialId);
    // Act: losses 0.1, 0.2, 0.3 at step 1, then 0.05 and 0.5 (minimize).
    const answers = [];
    for (const [i, loss] of [0.1, 0.2, 0.3, 0.05].entries()) {
      answers.push((await call('POST', `${base}/trials/${ids[i]}/measurements`, { step: 1, metrics: { loss } })).body.shouldStop);
    }
    const between = await call('POST', `${base}/trials/${ids[0]}/measurements`, { step: 2, metrics: { loss: 0.09 } });
    const pruned = await call('POST', `${base}/trials/${ids[2]}/complete`, { pruned: true });
    // Assess: 1st alone keeps going; 2nd ranks 2 of 2 (keep 1) stops; 3rd ranks 3 of 3 (keep 1) stops; 4th is best.
    expect(answers).toEqual([false, true, true, false]);
    expect(between.body.shouldStop).toBe(false);
    expect(pruned.body.trial).toMatchObject({ state: 'PRUNED', value: 0.3, resource: 1 });
    const stored = await store.getTrial('team-a', study.studyId, ids[1]);
    expect(stored!.rungValues).toEqual([0.2]);
  });

  it('refuses ask/tell on a workflow study, bad input, completing without the objective, and other teams', async () => {
    const { body: wf } = await call('POST', '/studies', externalSpec({ strategy: { seed: 1 } }));
    const { body: ext } = await call('POST', '/studies', externalSpec());
    const onWorkflow = await call('POST', `/studies/${wf.studyId}/trials/suggest`, { clientId: 'w' });
    const noClient = await call('POST', `/studies/${ext.studyId}/trials/suggest`, {});
    const t = (await call('POST', `/studies/${ext.studyId}/trials/suggest`, { clientId: 'w' })).body.trial;
    const noValue = await call('POST', `/studies/${ext.studyId}/trials/${t.trialId}/complete`, {});
    const both = await call('POST', `/studies/${ext.studyId}/trials/${t.trialId}/complete`, { infeasible: true, pruned: true });
    const otherTeam = await call('POST', `/studies/${ext.studyId}/trials/suggest`, { clientId: 'w' }, 'tokenB');
    const done = await call('POST', `/studies/${ext.studyId}/trials/${t.trialId}/complete`, { metrics: { loss: 1 } });
    const conflicting = await call('POST', `/studies/${ext.studyId}/trials/${t.trialId}/complete`, { infeasible: true });
    expect(started).toEqual([wf.studyId]);
    expect([onWorkflow.status, onWorkflow.body.error.code]).toEqual([409, 'Conflict']);
    expect([noClient.status, noClient.body.error.details[0].path]).toEqual([400, 'clientId']);
    expect([noValue.status, noValue.body.error.details[0].path]).toEqual([400, 'metrics.loss']);
    expect(both.status).toBe(400);
    expect(otherTeam.status).toBe(404);
    expect(done.status).toBe(200);
    expect(conflicting.status).toBe(409);
  });

  it('answers the same completion again with 200 changed: false, and a different one with 409 naming what differs', async () => {
    // Prepare
    const { body: study } = await call('POST', '/studies', externalSpec());
    const base = `/studies/${study.studyId}`;
    const t = (await call('POST', `${base}/trials/suggest`, { clientId: 'w' })).body.trial;
    const complete = (body: unknown) => call('POST', `${base}/trials/${t.trialId}/complete`, body);
    const first = await complete({ metrics: { loss: 0.3 }, step: 1 });
    // Act
    const same = await complete({ metrics: { loss: 0.3 }, step: 1 });
    const sameWithoutStep = await complete({ metrics: { loss: 0.3 } });
    const otherValue = await complete({ metrics: { loss: 0.5 } });
    const otherState = await complete({ infeasible: true, reason: 'oom' });
    const otherStep = await complete({ metrics: { loss: 0.3 }, step: 2 });
    // Assess
    expect([first.status, first.body.changed]).toEqual([200, true]);
    expect([same.status, same.body]).toEqual([200, { trial: first.body.trial, changed: false }]);
    expect([sameWithoutStep.status, sameWithoutStep.body.changed]).toEqual([200, false]);
    expect([otherValue.status, otherValue.body.error]).toEqual([
      409,
      { code: 'Conflict', message: `trial ${t.trialId} is already COMPLETE, not as this completion says: loss 0.3, this completion 0.5` },
    ]);
    expect(otherState.status).toBe(409);
    expect(otherState.body.error.message).toBe(
      `trial ${t.trialId} is already COMPLETE, not as this completion says: state COMPLETE, this completion INFEASIBLE; reason null, this completion "oom"`,
    );
    expect([otherStep.status, otherStep.body.error.message]).toEqual([409, expect.stringContaining('step 1, this completion 2')]);
    expect(await store.getTrial('team-a', study.studyId, t.trialId)).toMatchObject({ state: 'COMPLETE', value: 0.3, resource: 1 });
  });

  it('applies one maxTrials rule at creation and PATCH: external studies take 10000, workflow brackets are bound by Step Functions history', async () => {
    // Act
    const external = await call('POST', '/studies', externalSpec({ limits: { maxTrials: 10_000 } }));
    const smallExternal = await call('POST', '/studies', externalSpec());
    const patched = await call('PATCH', `/studies/${smallExternal.body.studyId}`, { limits: { maxTrials: 10_000 } });
    const workflow = await call('POST', '/studies', externalSpec({ strategy: { seed: 1 }, limits: { maxTrials: 10_000 } }));
    const smallWorkflow = await call('POST', '/studies', externalSpec({ strategy: { seed: 1 } }));
    // A workflow study that has not started may still be raised: the same rule refuses it.
    const raisedWorkflow = await call('PATCH', `/studies/${smallWorkflow.body.studyId}`, { limits: { maxTrials: 10_000 } });
    // Assess
    expect(external.status).toBe(201);
    expect([patched.status, patched.body.spec?.limits.maxTrials]).toEqual([200, 10_000]);
    expect(workflow.status).toBe(400);
    const issue = workflow.body.error.details.find((d: { path: string }) => d.path === 'limits.maxTrials');
    expect(issue.message).toContain('Step Functions history events');
    expect([raisedWorkflow.status, raisedWorkflow.body.error.details]).toEqual([400, [issue]]);
  });

  it('stops an external study: STOPPED at once when nothing runs, else once its last trial completes', async () => {
    const { body: idle } = await call('POST', '/studies', externalSpec());
    const stoppedIdle = await call('POST', `/studies/${idle.studyId}/stop`);
    const { body: busy } = await call('POST', '/studies', externalSpec());
    const t = (await call('POST', `/studies/${busy.studyId}/trials/suggest`, { clientId: 'w' })).body.trial;
    const stopping = await call('POST', `/studies/${busy.studyId}/stop`);
    const told = await call('POST', `/studies/${busy.studyId}/trials/${t.trialId}/measurements`, { step: 1, metrics: { loss: 2 } });
    const noMore = await call('POST', `/studies/${busy.studyId}/trials/suggest`, { clientId: 'other' });
    await call('POST', `/studies/${busy.studyId}/trials/${t.trialId}/complete`, {});
    expect(stoppedIdle.body.state).toBe('STOPPED');
    expect(stopping.body.state).toBe('STOPPING');
    expect(told.body.shouldStop).toBe(true);
    expect(noMore.body).toEqual({ done: true, trial: null });
    expect((await call('GET', `/studies/${busy.studyId}`)).body.state).toBe('STOPPED');
  });

  it('steers over HTTP: PATCH limits, enqueue (taken by the next suggest), stop a trial', async () => {
    // Prepare
    const { body: study } = await call('POST', '/studies', externalSpec());
    const base = `/studies/${study.studyId}`;
    const t0 = (await call('POST', `${base}/trials/suggest`, { clientId: 'w0' })).body.trial;
    // Act
    const raised = await call('PATCH', base, { limits: { maxTrials: 5, parallelism: 4 } });
    const tooLow = await call('PATCH', base, { limits: { maxTrials: 0 } });
    const unknownField = await call('PATCH', base, { name: 'renamed' });
    const enqueued = await call('POST', `${base}/trials/enqueue`, { configs: [{ x: 0.5, kind: 'b' }] });
    const outside = await call('POST', `${base}/trials/enqueue`, { configs: [{ x: 5, kind: 'b' }] });
    const t1 = (await call('POST', `${base}/trials/suggest`, { clientId: 'w1' })).body.trial;
    const stopped = await call('POST', `${base}/trials/${t0.trialId}/stop`);
    const told = await call('POST', `${base}/trials/${t0.trialId}/measurements`, { step: 1, metrics: { loss: 0.4 } });
    const ended = await call('POST', `${base}/trials/${t0.trialId}/complete`, {});
    const again = await call('POST', `${base}/trials/${t0.trialId}/stop`);
    const foreign = await call('PATCH', base, { limits: { parallelism: 2 } }, 'tokenB');
    // Assess
    expect(raised.status).toBe(200);
    expect(raised.body.spec.limits).toMatchObject({ maxTrials: 5, parallelism: 4 });
    expect([tooLow.status, unknownField.status]).toEqual([400, 400]);
    expect(enqueued.status).toBe(201);
    expect(enqueued.body).toMatchObject({ enqueued: [{ id: 'q0', params: { x: 0.5, kind: 'b' } }], waiting: 1 });
    expect([outside.status, outside.body.error.details]).toEqual([400, [{ path: 'configs.0.x', message: 'must be a number in [-1, 1]' }]]);
    expect(t1).toMatchObject({ params: { x: 0.5, kind: 'b' }, enqueuedId: 'q0' });
    expect(stopped.status).toBe(202);
    expect(stopped.body).toMatchObject({ state: 'RUNNING', stopRequested: true });
    expect(told.body.shouldStop).toBe(true);
    expect(ended.body.trial.state).toBe('PRUNED');
    expect(again.status).toBe(409);
    expect(foreign.status).toBe(404);
  });

  it('enqueues a known good cell by its NAS-Bench-201 string: expanded into its edges, taken by the next suggest', async () => {
    // Prepare
    const ops = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'];
    const { body: study } = await call(
      'POST',
      '/studies',
      externalSpec({ parameters: { cell: { type: 'cell', nodes: 4, ops }, lr: { type: 'float', min: 0.001, max: 0.1 } } }),
    );
    const base = `/studies/${study.studyId}`;
    const best = '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|';
    // Act
    const enqueued = await call('POST', `${base}/trials/enqueue`, { configs: [{ cell: best, lr: 0.01 }] });
    const unknownOp = await call('POST', `${base}/trials/enqueue`, {
      configs: [{ cell: best.replace('avg_pool_3x3', 'conv5x5'), lr: 0.01 }],
    });
    const tooFewEdges = await call('POST', `${base}/trials/enqueue`, {
      configs: [{ cell: '|nor_conv_3x3~0|+|nor_conv_3x3~0|', lr: 0.01 }],
    });
    const trial = (await call('POST', `${base}/trials/suggest`, { clientId: 'w0' })).body.trial;
    // Assess
    const dims = {
      'cell.e0_1': 'nor_conv_3x3',
      'cell.e0_2': 'nor_conv_3x3',
      'cell.e1_2': 'avg_pool_3x3',
      'cell.e0_3': 'skip_connect',
      'cell.e1_3': 'nor_conv_3x3',
      'cell.e2_3': 'skip_connect',
    };
    expect(enqueued.status).toBe(201);
    expect(enqueued.body.enqueued[0].params).toEqual({ cell: best, lr: 0.01, ...dims });
    expect([unknownOp.status, unknownOp.body.error.details]).toEqual([
      400,
      [{ path: 'configs.0.cell', message: expect.stringContaining('unknown operation "conv5x5" in group 2') }],
    ]);
    expect([tooFewEdges.status, tooFewEdges.body.error.details]).toEqual([
      400,
      [{ path: 'configs.0.cell', message: expect.stringContaining('it has 2 group(s) separated by "+"; the cell has 4 nodes, so 3') }],
    ]);
    expect(trial).toMatchObject({ enqueuedId: 'q0', params: { cell: best, lr: 0.01, ...dims } });
  });
});
