import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../shared/store/memory.js';
import { callApi, testApi } from '../support/rest-api.js';

/** Names every plain object answers to through its prototype; none is a credential. */
const prototypeNames = [
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__proto__',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
];

describe('bearer tokens named like Object.prototype members', () => {
  const api = testApi({ store: new MemoryStore(), now: () => new Date('2026-01-01T00:00:00Z'), random: () => 0.5 });
  const routes = [...new Set(api.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`))].map((route) => {
    const [method, path] = route.split(' ') as [string, string];
    return { method, path: path.replace(':studyId', 's1').replace(':trialId', '0') };
  });

  it('are refused with 401 on every route, and a real token still passes', async () => {
    // Prepare: a study of team-a, so that a route that looked the caller up would find something.
    const created = await callApi(api, 'POST', '/studies', {
      name: 'demo',
      objective: { metric: 'acc', goal: 'maximize' },
      parameters: { lr: { type: 'float', min: 0.001, max: 0.1 } },
      limits: { maxTrials: 2 },
      trial: { command: ['train'] },
    });
    expect(created.status).toBe(201);
    expect(routes.length).toBeGreaterThanOrEqual(15);
    // Act + Assess
    for (const token of prototypeNames) {
      for (const { method, path } of routes) {
        const res = await callApi(api, method, path, method === 'GET' ? undefined : {}, token);
        expect([res.status, res.body.error?.code], `Bearer ${token}: ${method} ${path}`).toEqual([401, 'Unauthenticated']);
      }
    }
    expect((await callApi(api, 'GET', '/studies')).body.items).toHaveLength(1);
  });
});

describe('configuration keys named like Object.prototype members', () => {
  it('are no parameters of the space: an enqueued config with one is refused, naming it', async () => {
    // Prepare
    const api = testApi({ store: new MemoryStore(), now: () => new Date('2026-01-01T00:00:00Z'), random: () => 0.5 });
    const { body: study } = await callApi(api, 'POST', '/studies', {
      name: 'demo',
      objective: { metric: 'acc', goal: 'maximize' },
      parameters: { lr: { type: 'float', min: 0.001, max: 0.1 } },
      limits: { maxTrials: 2 },
      trial: { command: ['train'] },
    });
    // Act
    const answers = [];
    for (const name of ['constructor', 'toString', 'valueOf', 'hasOwnProperty']) {
      answers.push(await callApi(api, 'POST', `/studies/${study.studyId}/trials/enqueue`, `{"configs": [{"lr": 0.01, "${name}": 1}]}`));
    }
    // Assess
    for (const [i, name] of ['constructor', 'toString', 'valueOf', 'hasOwnProperty'].entries()) {
      expect(answers[i]!.status, name).toBe(400);
      expect(answers[i]!.body.error.details, name).toEqual([
        expect.objectContaining({ message: expect.stringContaining('is not a parameter of the space') }),
      ]);
    }
    expect((await callApi(api, 'GET', `/studies/${study.studyId}`)).body.enqueued ?? []).toEqual([]);
  });
});
