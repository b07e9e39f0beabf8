import { beforeEach, describe, expect, it } from 'vitest';
import { maxBodyBytes } from '../../functions/api/app.js';
import type { DynamoStore } from '../../shared/store/dynamo.js';
import { readAll } from '../../shared/store/port.js';
import { minimalSpecInput } from '../support/factories.js';
import { localRoot } from '../../runtime/local-api.js';
import { callApi, testApi, useDynalite, type TestApi } from '../support/rest-api.js';

const dynalite = useDynalite();
let table = 0;
let store: DynamoStore;
let started: { input: unknown; name: string }[];
let api: TestApi;

beforeEach(async () => {
  store = await dynalite.store(`api-${++table}`);
  started = [];
  let n = 0;
  api = testApi(
    { store, now: () => new Date('2026-01-01T00:00:00Z'), random: () => ((n = (n * 7 + 3) % 36), n / 36) },
    { start: async (input, name) => void started.push({ input, name }) },
  );
});

const call = (method: string, path: string, body?: unknown, token?: string) => callApi(api, method, path, body, token);

const spec = () => structuredClone(minimalSpecInput);

describe('REST API v1 on dynalite', () => {
  it('creates a study, starts its workflow once, and shows it', async () => {
    // Act
    const created = await call('POST', '/studies', spec());
    const shown = await call('GET', `/studies/${created.body.studyId}`);
    const listed = await call('GET', '/studies');
    // Assess
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'demo', state: 'PENDING', team: 'team-a', apiUrl: 'http://127.0.0.1:1/v1' });
    expect(created.body).not.toHaveProperty('version');
    expect(started).toEqual([{ input: { team: 'team-a', studyId: created.body.studyId }, name: created.body.studyId }]);
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({ studyId: created.body.studyId, trialCounts: {} });
    expect(listed.body.items.map((s: { studyId: string }) => s.studyId)).toEqual([created.body.studyId]);
  });

  it('rejects an invalid spec with 400 naming each field and rule, and writes nothing', async () => {
    // Act
    const res = await call('POST', '/studies', {
      ...spec(),
      parameters: { lr: { type: 'float', min: 1, max: 0 } },
      limits: { maxTrials: -1 },
    });
    // Assess
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('InvalidInput');
    expect(res.body.error.details).toEqual(
      expect.arrayContaining([
        { path: 'parameters.lr.min', message: 'min (1) must not exceed max (0)' },
        expect.objectContaining({ path: 'limits.maxTrials' }),
      ]),
    );
    expect((await store.listStudies('team-a')).items).toEqual([]);
    expect(started).toEqual([]);
  });

  it.each([
    ['no body', undefined, 'a JSON body is required'],
    ['broken JSON', '{"name": ', 'the body is not valid JSON'],
  ])('rejects %s with 400', async (_, body, message) => {
    const res = await call('POST', '/studies', body);
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ path: '', message }]);
  });

  it('rejects an oversized body with 413 before parsing it', async () => {
    const res = await call('POST', '/studies', { ...spec(), name: 'x'.repeat(maxBodyBytes) });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PayloadTooLarge');
  });

  it('answers 404 for an unknown study on every route', async () => {
    for (const [method, path] of [
      ['GET', '/studies/nope'],
      ['POST', '/studies/nope/stop'],
      ['POST', '/studies/nope/resume'],
      ['GET', '/studies/nope/trials'],
      ['GET', '/studies/nope/trials/0'],
      ['POST', '/studies/nope/trials/0/measurements'],
    ] as const) {
      const res = await call(method, path, method === 'POST' ? { step: 1, metrics: { acc: 1 } } : undefined);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.error.code).toBe('NotFound');
    }
  });

  it("never shows one team's study to another team", async () => {
    // Prepare
    const { body: study } = await call('POST', '/studies', spec());
    // Act + Assess
    for (const [method, path] of [
      ['GET', `/studies/${study.studyId}`],
      ['POST', `/studies/${study.studyId}/stop`],
      ['POST', `/studies/${study.studyId}/resume`],
      ['GET', `/studies/${study.studyId}/trials`],
      ['GET', `/studies/${study.studyId}/trials/0`],
      ['GET', `/studies/${study.studyId}/importance`],
      ['POST', `/studies/${study.studyId}/trials/0/measurements`],
    ] as const) {
      const res = await call(method, path, method === 'POST' ? { step: 1, metrics: { acc: 1 } } : undefined, 'tokenB');
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    expect((await call('GET', '/studies', undefined, 'tokenB')).body.items).toEqual([]);
    expect((await store.getStudy('team-a', study.studyId))!.state).toBe('PENDING');
  });

  it('answers 401 without a known bearer token', async () => {
    const res = await call('GET', '/studies', undefined, 'forged');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('Unauthenticated');
  });

  it('takes the bearer scheme in any case (RFC 9110: the scheme is case-insensitive), never the token', async () => {
    const as = (authorization: string) => api.request('/studies', { headers: { authorization } });
    expect((await as('bearer tokenA')).status).toBe(200);
    expect((await as('BEARER tokenA')).status).toBe(200);
    expect((await as('Bearer TOKENA')).status).toBe(401);
  });

  it('stops a running study (202) and refuses to stop a finished one (409)', async () => {
    // Prepare
    const { body: study } = await call('POST', '/studies', spec());
    // Act
    const stopped = await call('POST', `/studies/${study.studyId}/stop`);
    const current = (await store.getStudy('team-a', study.studyId))!;
    await store.updateStudy({ ...current, state: 'COMPLETED' });
    const again = await call('POST', `/studies/${study.studyId}/stop`);
    // Assess
    expect(stopped.status).toBe(202);
    expect(stopped.body.state).toBe('STOPPING');
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'Conflict', message: `study ${study.studyId} is already COMPLETED` });
  });

  it('stores a measurement once per step, paginates trials, and refuses reports to finished trials', async () => {
    // Prepare
    const { body: study } = await call('POST', '/studies', spec());
    const base = {
      team: 'team-a',
      studyId: study.studyId,
      bracket: 0,
      rung: 0,
      params: { lr: 0.01 },
      resource: 0,
      rungValues: [],
      createdAt: 'x',
      updatedAt: 'x',
      version: 0,
    };
    for (let i = 0; i < 5; i++)
      await store.createTrial({ ...base, trialId: String(i), number: i, state: i === 4 ? 'COMPLETE' : 'RUNNING' });
    // Act
    const first = await call('POST', `/studies/${study.studyId}/trials/1/measurements`, { step: 1, metrics: { acc: 0.5 } });
    const duplicate = await call('POST', `/studies/${study.studyId}/trials/1/measurements`, { step: 1, metrics: { acc: 0.5 } });
    const conflicting = await call('POST', `/studies/${study.studyId}/trials/1/measurements`, { step: 1, metrics: { acc: 0.9 } });
    const bad = await call('POST', `/studies/${study.studyId}/trials/1/measurements`, { step: -1, metrics: {} });
    const late = await call('POST', `/studies/${study.studyId}/trials/4/measurements`, { step: 1, metrics: { acc: 1 } });
    const pages: string[][] = [];
    let nextToken: string | undefined;
    do {
      const res = await call(
        'GET',
        `/studies/${study.studyId}/trials?limit=2${nextToken ? `&nextToken=${encodeURIComponent(nextToken)}` : ''}`,
      );
      pages.push(res.body.items.map((t: { trialId: string }) => t.trialId));
      nextToken = res.body.nextToken;
    } while (nextToken);
    const trial = await call('GET', `/studies/${study.studyId}/trials/1`);
    const badLimit = await call('GET', `/studies/${study.studyId}/trials?limit=0`);
    // Assess
    expect([first.status, first.body]).toEqual([201, { stored: true, shouldStop: false }]);
    expect([duplicate.status, duplicate.body.stored]).toEqual([200, false]);
    expect(conflicting.status).toBe(409);
    expect(conflicting.body.error).toEqual({
      code: 'MeasurementConflict',
      message: 'step 1 of trial 1 was reported before with other values, which stand: metrics {"acc":0.5} stored, {"acc":0.9} sent',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['metrics', 'step']);
    expect(late.status).toBe(409);
    expect(pages).toEqual([['0', '1'], ['2', '3'], ['4']]);
    expect(trial.body.measurements).toEqual([expect.objectContaining({ step: 1, metrics: { acc: 0.5 } })]);
    expect(badLimit.status).toBe(400);
    expect(await readAll((p) => store.listTrials('team-a', study.studyId, p))).toHaveLength(5);
  });

  it('answers an unknown path with 404 and a wrong method with 405 and Allow, both JSON errors, also under /v1 of the local server', async () => {
    // Prepare: the local server mounts the API under /v1 (its own unmatched paths were text/plain).
    const root = localRoot(api);
    const send = (method: string, path: string) => root.request(path, { method, headers: { authorization: 'Bearer tokenA' } });
    // Act
    const unknown = await send('GET', '/v1/nope/x');
    const wrongMethod = await send('DELETE', '/v1/studies');
    const wrongOnParam = await send('GET', '/v1/studies/s1/trials/0/complete');
    const direct = await call('PUT', '/studies/s1');
    // Assess
    expect([unknown.status, unknown.headers.get('content-type')]).toEqual([404, 'application/json']);
    expect(await unknown.json()).toEqual({ error: { code: 'NotFound', message: 'no route GET /v1/nope/x' } });
    expect([wrongMethod.status, wrongMethod.headers.get('allow')]).toEqual([405, 'POST, GET, HEAD']);
    expect(await wrongMethod.json()).toEqual({
      error: { code: 'MethodNotAllowed', message: 'DELETE is not allowed on /v1/studies: use POST, GET, HEAD' },
    });
    expect([wrongOnParam.status, wrongOnParam.headers.get('allow')]).toEqual([405, 'POST']);
    expect([direct.status, direct.body.error.code]).toEqual([405, 'MethodNotAllowed']);
  });

  it('answers a body that is not JSON by its Content-Type with 415 and writes nothing; JSON types and no type are read', async () => {
    const post = (type: string | undefined, body: BodyInit) =>
      api.request('/studies', {
        method: 'POST',
        headers: { authorization: 'Bearer tokenA', ...(type ? { 'content-type': type } : {}) },
        body,
      });
    // Act: what `curl -d` sends, and what fetch sends for a string body.
    const form = await post('application/x-www-form-urlencoded', JSON.stringify(spec()));
    const text = await post('text/plain;charset=UTF-8', JSON.stringify(spec()));
    const charset = await post('application/json; charset=utf-8', JSON.stringify(spec()));
    // Bytes: a string body would get text/plain from the Request itself.
    const untyped = await post(undefined, new TextEncoder().encode(JSON.stringify(spec())));
    // Assess
    expect(form.status).toBe(415);
    expect(await form.json()).toEqual({
      error: { code: 'UnsupportedMediaType', message: 'the body must be application/json, not application/x-www-form-urlencoded' },
    });
    expect(text.status).toBe(415);
    expect([charset.status, untyped.status]).toEqual([201, 201]);
    expect((await store.listStudies('team-a')).items).toHaveLength(2);
  });

  it('explains a study: the parameter that drives the objective matters most, and its best choice comes first', async () => {
    // Prepare: acc depends on the optimizer only.
    const { body: study } = await call('POST', '/studies', {
      ...spec(),
      parameters: { lr: { type: 'float', min: 0.001, max: 0.1, scale: 'log' }, opt: { type: 'categorical', values: ['sgd', 'adam'] } },
    });
    for (let i = 0; i < 16; i++) {
      const opt = i % 2 === 0 ? 'adam' : 'sgd';
      await store.createTrial({
        team: 'team-a',
        studyId: study.studyId,
        trialId: String(i),
        number: i,
        bracket: 0,
        rung: 0,
        params: { lr: 0.001 * 1.3 ** i, opt },
        state: 'COMPLETE',
        resource: 1,
        rungValues: [opt === 'adam' ? 0.9 + i / 1000 : 0.5 + i / 1000],
        value: opt === 'adam' ? 0.9 : 0.5,
        createdAt: 'x',
        updatedAt: 'x',
        version: 0,
      });
    }
    // Act
    const res = await call('GET', `/studies/${study.studyId}/importance`);
    // Assess
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ resource: 1, n: 16 });
    const [first, second] = res.body.parameters;
    expect(first).toMatchObject({
      name: 'opt',
      effects: [
        { value: 'adam', count: 8 },
        { value: 'sgd', count: 8 },
      ],
    });
    expect(first.importance).toBeGreaterThan(0.9);
    expect(second).toMatchObject({ name: 'lr' });
    expect(second.importance).toBeLessThan(0.1);
  });
});
