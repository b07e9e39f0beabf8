import { beforeAll, describe, expect, it } from 'vitest';
import type { DynamoStore } from '../../shared/store/dynamo.js';
import type { Trial } from '../../shared/study/types.js';
import { makeTrial, minimalSpecInput } from '../support/factories.js';
import { callApi, testApi, useDynalite, type TestApi } from '../support/rest-api.js';

const dynalite = useDynalite();
let store: DynamoStore;
let api: TestApi;

beforeAll(async () => {
  store = await dynalite.store('pareto');
  api = testApi({ store, now: () => new Date('2026-01-01T00:00:00Z'), random: () => 0.5 });
});

const call = (method: string, path: string, body?: unknown, token?: string) => callApi(api, method, path, body, token);

/** A finished trial as the workflow leaves it in a Pareto study: value, tracked metrics, feasibility. */
async function putTrial(
  studyId: string,
  number: number,
  acc: number,
  latency: number,
  state: Trial['state'] = 'COMPLETE',
  feasible = true,
) {
  await store.createTrial(
    makeTrial({
      team: 'team-a',
      studyId,
      number,
      state,
      resource: 1,
      rungValues: [acc],
      value: acc,
      metrics: { acc, latency_ms: latency },
      feasible,
      params: { lr: 0.01 * (number + 1) },
    }),
  );
}

describe('GET /studies/{id}/pareto', () => {
  it("answers the study's front, dominated and infeasible trials and the hypervolume, and nothing to another team", async () => {
    // Prepare: accuracy up, latency down, latency at most 20 ms.
    const { objective: _single, ...base } = structuredClone(minimalSpecInput);
    const created = await call('POST', '/studies', {
      ...base,
      objectives: [
        { metric: 'acc', goal: 'maximize' },
        { metric: 'latency_ms', goal: 'minimize', reference: 30 },
      ],
      constraints: [{ metric: 'latency_ms', max: 20 }],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const studyId = created.body.studyId as string;
    await putTrial(studyId, 0, 0.9, 15);
    await putTrial(studyId, 1, 0.8, 5);
    await putTrial(studyId, 2, 0.7, 10); // dominated by trial 1
    await putTrial(studyId, 3, 0.95, 25, 'INFEASIBLE', false);
    // Act
    const mine = await call('GET', `/studies/${studyId}/pareto`);
    const theirs = await call('GET', `/studies/${studyId}/pareto`, undefined, 'tokenB');
    const missing = await call('GET', '/studies/nope/pareto');
    // Assess
    expect(mine.status).toBe(200);
    expect(mine.body).toEqual({
      objectives: [
        { metric: 'acc', goal: 'maximize' },
        { metric: 'latency_ms', goal: 'minimize' },
      ],
      reference: { acc: expect.closeTo(0.68, 12), latency_ms: 30 },
      // (0.9 - 0.68) x (30 - 15) + (0.8 - 0.68) x (15 - 5).
      hypervolume: expect.closeTo(0.22 * 15 + 0.12 * 10, 9),
      front: [
        { trialId: '0', number: 0, params: { lr: 0.01 }, values: { acc: 0.9, latency_ms: 15 } },
        { trialId: '1', number: 1, params: { lr: 0.02 }, values: { acc: 0.8, latency_ms: 5 } },
      ],
      dominated: [{ trialId: '2', number: 2, params: { lr: 0.03 }, values: { acc: 0.7, latency_ms: 10 } }],
      infeasible: [{ trialId: '3', number: 3, params: { lr: 0.04 }, values: { acc: 0.95, latency_ms: 25 } }],
    });
    expect(theirs).toMatchObject({ status: 404, body: { error: { code: 'NotFound' } } });
    expect(missing.status).toBe(404);
  });

  it('judges ask/tell completions by the constraints: INFEASIBLE when violated, 400 when a constraint metric is missing', async () => {
    // Prepare: an external Pareto study with a latency budget.
    const { objective: _single, ...base } = structuredClone(minimalSpecInput);
    const created = await call('POST', '/studies', {
      ...base,
      objectives: [
        { metric: 'acc', goal: 'maximize' },
        { metric: 'size', goal: 'minimize' },
      ],
      constraints: [{ metric: 'latency_ms', max: 20 }],
      name: 'external-pareto',
      strategy: { execution: 'external', sampler: 'random' },
      limits: { maxTrials: 3 },
      trial: { command: ['worker'], metrics: ['latency_ms'] },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const studyId = created.body.studyId as string;
    const tell = async (clientId: string, metrics: Record<string, number>) => {
      const { body } = await call('POST', `/studies/${studyId}/trials/suggest`, { clientId });
      expect(body.trial, JSON.stringify(body)).toBeDefined();
      return call('POST', `/studies/${studyId}/trials/${body.trial.trialId}/complete`, { metrics });
    };
    // Act
    const fast = await tell('a', { acc: 0.8, size: 10, latency_ms: 5 });
    const slow = await tell('b', { acc: 0.9, size: 5, latency_ms: 30 });
    const again = await call('POST', `/studies/${studyId}/trials/${slow.body.trial.trialId}/complete`, {
      metrics: { acc: 0.9, size: 5, latency_ms: 30 },
    });
    const unmeasured = await tell('c', { acc: 0.7, size: 1 });
    const pareto = await call('GET', `/studies/${studyId}/pareto`);
    // Assess
    expect(fast.body.trial).toMatchObject({ state: 'COMPLETE', feasible: true, metrics: { acc: 0.8, size: 10, latency_ms: 5 } });
    expect(slow.body.trial).toMatchObject({ state: 'INFEASIBLE', feasible: false, violation: 0.5 });
    expect(again.body).toMatchObject({ changed: false, trial: { state: 'INFEASIBLE' } });
    expect(unmeasured.status).toBe(400);
    expect(unmeasured.body.error.details).toEqual([
      { path: 'metrics', message: expect.stringContaining('"latency_ms" that a constraint needs') },
    ]);
    expect(pareto.body.front.map((p: { trialId: string }) => p.trialId)).toEqual([fast.body.trial.trialId]);
    expect(pareto.body.infeasible.map((p: { trialId: string }) => p.trialId)).toEqual([slow.body.trial.trialId]);
  });

  it('rejects a constraint on a metric no trial reports, naming the field', async () => {
    // Act
    const res = await call('POST', '/studies', { ...structuredClone(minimalSpecInput), constraints: [{ metric: 'latency_ms', max: 20 }] });
    // Assess
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      { path: 'constraints.0.metric', message: expect.stringContaining('neither an objective nor listed in trial.metrics') },
    ]);
  });
});
