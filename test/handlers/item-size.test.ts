import { beforeEach, describe, expect, it } from 'vitest';
import type { DynamoStore } from '../../shared/store/dynamo.js';
import { callApi, testApi, useDynalite, type TestApi } from '../support/rest-api.js';

/** State that grows with a study on DynamoDB's 400 KB item: a clear 4xx that changes nothing, never a 500. */
const dynalite = useDynalite();
let table = 0;
let store: DynamoStore;
let api: TestApi;

beforeEach(async () => {
  store = await dynalite.store(`size-${++table}`);
  let n = 0;
  api = testApi({ store, now: () => new Date(Date.UTC(2026, 0, 1, 0, 0, n++)), random: () => 0.5 });
});

const call = (method: string, path: string, body?: unknown) => callApi(api, method, path, body);

/** The probe's study: 16 categorical parameters of three 250-character values. */
const values = (p: number) => ['a', 'b', 'c'].map((c) => `${c}${p}`.padEnd(250, c));
const wideSpec = {
  name: 'wide',
  objective: { metric: 'loss', goal: 'minimize' },
  parameters: Object.fromEntries(Array.from({ length: 16 }, (_, p) => [`p${p}`, { type: 'categorical', values: values(p) }])),
  strategy: { execution: 'external', seed: 1 },
  limits: { maxTrials: 500 },
  trial: { command: ['worker'] },
};
const configs = (n: number, pick: number) =>
  Array.from({ length: n }, () => Object.fromEntries(Array.from({ length: 16 }, (_, p) => [`p${p}`, values(p)[pick % 3]])));

describe("the study item under DynamoDB's 400 KB", () => {
  it('answers an enqueue that would outgrow the study with 400 naming configs, keeps the queue, and still serves the study', async () => {
    // Prepare: 30 configurations (about 123 KB) fit; 30 more would put 246 KB of them on the study item.
    const { body: study } = await call('POST', '/studies', wideSpec);
    const base = `/studies/${study.studyId}`;
    const first = await call('POST', `${base}/trials/enqueue`, { configs: configs(30, 0) });

    // Act
    const second = await call('POST', `${base}/trials/enqueue`, { configs: configs(30, 1) });
    const after = await call('GET', base);
    const suggested = await call('POST', `${base}/trials/suggest`, { clientId: 'w0' });

    // Assess
    expect(first.status).toBe(201);
    expect(second.status).toBe(400);
    expect(second.body.error.details).toEqual([
      { path: 'configs', message: expect.stringContaining('enqueue fewer or shorter configurations') },
    ]);
    expect((await store.getStudy('team-a', study.studyId))!.enqueued).toHaveLength(30);
    expect(after.status).toBe(200);
    expect(suggested.status).toBe(200);
    expect(suggested.body.trial.enqueuedId).toBe('q0');
  });
});
