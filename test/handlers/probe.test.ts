import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { maxBodyBytes } from '../../functions/api/app.js';
import { localRoot } from '../../runtime/local-api.js';
import type { MemoryStore } from '../../shared/store/memory.js';
import { memoryContexts } from '../support/contexts.js';
import { testApi } from '../support/rest-api.js';

/**
 * A probe of the whole HTTP surface as `rung serve` serves it (the API under /v1), on the
 * in-memory store (the HTTP behaviour probed here does not depend on the store): every route of
 * the app times every credential failure, seeded fuzz of every write route, duplicated and
 * conflicting tells under concurrency, and a sweep of body and item sizes. A refused request
 * (any 4xx) must leave the whole store as it was; no request may answer a 5xx.
 */
let store: MemoryStore;
let root: ReturnType<typeof localRoot>;
let routes: { method: string; path: string }[];

beforeEach(() => {
  const ctx = memoryContexts(7);
  store = ctx.store;
  const api = testApi(ctx.service);
  // Every route the app serves: a route added later is probed without a change here.
  routes = [...new Map(api.routes.filter((r) => r.method !== 'ALL').map((r) => [`${r.method} ${r.path}`, r])).values()];
  root = localRoot(api);
});

/** Everything the store holds (its partitions): a refused request must leave it byte for byte as it was. */
const snapshot = () => JSON.stringify([...(store as unknown as { partitions: Map<string, Map<string, unknown>> }).partitions]);

async function send(method: string, path: string, body?: unknown, authorization: string | null = 'Bearer tokenA') {
  const res = await root.request(`/v1${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(authorization === null ? {} : { authorization }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const type = res.headers.get('content-type');
  return { status: res.status, type, body: type?.startsWith('application/json') ? ((await res.json()) as any) : await res.text() };
}

const externalSpec = (overrides: Record<string, unknown> = {}) => ({
  name: 'probe',
  objective: { metric: 'loss', goal: 'minimize' },
  parameters: { x: { type: 'float', min: 0, max: 1 } },
  strategy: { execution: 'external', seed: 3, scheduler: { type: 'fifo', max: 4 } },
  limits: { maxTrials: 50 },
  trial: { command: ['worker'] },
  ...overrides,
});

/** A study of team-a with one running trial: what the routes' path parameters name. */
async function seed() {
  const { body: study } = await send('POST', '/studies', externalSpec());
  const { body: suggested } = await send('POST', `/studies/${study.studyId}/trials/suggest`, { clientId: 'seed' });
  await send('POST', `/studies/${study.studyId}/trials/${suggested.trial.trialId}/measurements`, { step: 1, metrics: { loss: 1 } });
  return { studyId: study.studyId as string, trialId: suggested.trial.trialId as string };
}

const fill = (path: string, ids: { studyId: string; trialId: string }) =>
  path.replace(':studyId', ids.studyId).replace(':trialId', ids.trialId);

/** A valid body for each write route, by what its path ends with; a new write route needs one here (the probe fails until it has). */
function validBody(method: string, path: string): unknown {
  if (method === 'PATCH') return { limits: { maxTrials: 40 } };
  const last = path.split('/').at(-1)!;
  const bodies: Record<string, unknown> = {
    studies: externalSpec(),
    suggest: { clientId: 'probe' },
    enqueue: { configs: [{ x: 0.5 }] },
    measurements: { step: 2, metrics: { loss: 0.5 } },
    'checkpoint-url': { name: 'state.pt', method: 'GET' },
    complete: { metrics: { loss: 0.5 } },
    stop: undefined,
    resume: undefined,
  };
  if (!(last in bodies)) throw new Error(`the probe has no body for ${method} ${path}: add one to validBody`);
  return bodies[last];
}

const writes = () => routes.filter((r) => r.method !== 'GET');

describe('probe: every route x every credential failure', () => {
  it("answers 401 without a valid credential and 404 with another team's, in the JSON envelope, and changes nothing", async () => {
    // Prepare
    const ids = await seed();
    const before = snapshot();
    const failures = [
      ['no credentials', null],
      ['another scheme', 'Basic dG9rZW5BOng='],
      ['a scheme without a token', 'Bearer'],
      ['a token with bad characters', 'Bearer token-A'],
      ['an unknown token', 'Bearer nope'],
    ] as const;
    expect(routes.length).toBeGreaterThanOrEqual(15);
    for (const r of routes) {
      const path = fill(r.path, ids);
      const body = r.method === 'GET' ? undefined : validBody(r.method, r.path);
      // Act + Assess
      for (const [what, authorization] of failures) {
        const res = await send(r.method, path, body, authorization);
        expect([res.status, res.type, res.body?.error?.code], `${r.method} ${r.path} with ${what}`).toEqual([
          401,
          'application/json',
          'Unauthenticated',
        ]);
      }
      // Another team's valid token: a study of team-a does not exist for it (routes without a study are its own).
      if (r.path.includes(':studyId')) {
        const res = await send(r.method, path, body, 'Bearer tokenB');
        expect([res.status, res.type, res.body?.error?.code], `${r.method} ${r.path} as team-b`).toEqual([
          404,
          'application/json',
          'NotFound',
        ]);
      }
      expect(snapshot(), `${r.method} ${r.path}`).toBe(before);
    }
  });
});

describe('probe: seeded fuzz of every write route', () => {
  it('never answers a 5xx, and a refused request changes nothing', async () => {
    const ids = await seed();
    // Arbitrary JSON, and the valid body with fields replaced or added by arbitrary values.
    const mutated = (valid: unknown) =>
      fc.oneof(
        fc.jsonValue(),
        fc
          .dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 })
          .map((extra) => (valid && typeof valid === 'object' ? { ...valid, ...extra } : extra)),
        fc.string({ maxLength: 40 }),
      );
    for (const r of writes()) {
      const path = fill(r.path, ids);
      const valid = validBody(r.method, r.path);
      await fc.assert(
        fc.asyncProperty(mutated(valid), async (body) => {
          const before = snapshot();
          const res = await send(r.method, path, typeof body === 'string' ? body : JSON.stringify(body));
          expect(res.status, `${r.method} ${r.path} ${JSON.stringify(body)}`).toBeLessThan(500);
          expect(res.type).toBe('application/json');
          if (res.status >= 400) {
            expect(res.body.error.code, `${r.method} ${r.path}`).toEqual(expect.any(String));
            expect(snapshot(), `${r.method} ${r.path} ${JSON.stringify(body)} answered ${res.status}`).toBe(before);
          }
        }),
        { seed: 16, numRuns: 40 },
      );
    }
  });

  it('answers a wrong method on every known path with 405 and the Allow the routes say, and an unknown path with 404', async () => {
    const ids = await seed();
    const before = snapshot();
    const byPath = new Map<string, string[]>();
    for (const r of routes) byPath.set(r.path, [...(byPath.get(r.path) ?? []), r.method]);
    for (const [path, methods] of byPath) {
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((m) => !methods.includes(m))) {
        // A path whose last segment could be a trial id (GET /trials/suggest) is another route's: skip what a route takes.
        const other = routes.find(
          (r) => r.method === method && r.path !== path && new RegExp(`^${r.path.replace(/:\w+/g, '[^/]+')}$`).test(path),
        );
        if (other) continue;
        const res = await send(method, fill(path, ids), method === 'GET' ? undefined : {});
        expect([res.status, res.body?.error?.code], `${method} ${path}`).toEqual([405, 'MethodNotAllowed']);
      }
    }
    const unknown = await send('GET', '/no/such/route');
    expect([unknown.status, unknown.type, unknown.body.error.code]).toEqual([404, 'application/json', 'NotFound']);
    expect(snapshot()).toBe(before);
  });
});

describe('probe: duplicated and conflicting tells under concurrency', () => {
  it('stores one report per step: its copies answer 201 once and 200 after, every other value 409', async () => {
    const { studyId, trialId } = await seed();
    const values = [0.1, 0.2, 0.1, 0.2, 0.1, 0.1, 0.2, 0.1];
    // Act
    const answers = await Promise.all(
      values.map((loss) => send('POST', `/studies/${studyId}/trials/${trialId}/measurements`, { step: 3, metrics: { loss } })),
    );
    // Assess
    const stored = (await store.listMeasurements('team-a', studyId, trialId)).filter((m) => m.step === 3);
    expect(stored).toHaveLength(1);
    const kept = stored[0].metrics.loss;
    values.forEach((loss, i) => {
      const expected = loss === kept ? [200, 201] : [409];
      expect(expected, `report ${i} (${loss}, kept ${kept})`).toContain(answers[i].status);
    });
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409).every((a) => a.body.error.code === 'MeasurementConflict')).toBe(true);
  });

  it('ends a trial once: the copies of the winning completion answer 200, every other completion 409', async () => {
    const { studyId, trialId } = await seed();
    const values = [0.3, 0.4, 0.3, 0.3, 0.4, 0.3];
    // Act
    const answers = await Promise.all(
      values.map((loss) => send('POST', `/studies/${studyId}/trials/${trialId}/complete`, { metrics: { loss } })),
    );
    // Assess
    const trial = (await store.getTrial('team-a', studyId, trialId))!;
    expect(trial.state).toBe('COMPLETE');
    values.forEach((loss, i) => {
      expect([answers[i].status, answers[i].body.error?.code], `completion ${i} (${loss}, kept ${trial.value})`).toEqual(
        loss === trial.value ? [200, undefined] : [409, 'Conflict'],
      );
    });
    expect(answers.filter((a) => a.status === 200 && a.body.changed)).toHaveLength(1);
    expect((await store.getStudy('team-a', studyId))!.best).toMatchObject({ trialId, value: trial.value });
  });
});

describe('probe: body and item sizes', () => {
  it('answers every body size with 2xx, 400 or 413 (never 5xx), and changes nothing when refused', async () => {
    const { studyId } = await seed();
    for (let bytes = 1024; bytes <= 2 * maxBodyBytes; bytes *= 2) {
      for (const [what, path, body] of [
        ['a long study name', '/studies', externalSpec({ name: 'n'.repeat(bytes) })],
        [
          'long categorical values',
          '/studies',
          externalSpec({ parameters: { c: { type: 'categorical', values: ['a', 'b'.repeat(bytes)] } } }),
        ],
        ['a long enqueued value', `/studies/${studyId}/trials/enqueue`, { configs: [{ x: 0.5, extra: 'e'.repeat(bytes) }] }],
      ] as const) {
        const before = snapshot();
        const res = await send('POST', path, body);
        expect([201, 400, 413], `${what}, ${bytes} bytes: ${JSON.stringify(res.body).slice(0, 200)}`).toContain(res.status);
        if (res.status >= 400) expect(snapshot(), `${what}, ${bytes} bytes`).toBe(before);
        if (bytes > maxBodyBytes) expect(res.status, `${what}, ${bytes} bytes`).toBe(413);
      }
    }
  });

  it('fills the study item with enqueued configurations up to its limit: then 4xx that change nothing', async () => {
    // A wide study: 16 categorical parameters of 250-character values (as test/handlers/item-size.test.ts).
    const values = (p: number) => ['a', 'b', 'c'].map((c) => `${c}${p}`.padEnd(250, c));
    const parameters = Object.fromEntries(Array.from({ length: 16 }, (_, p) => [`p${p}`, { type: 'categorical', values: values(p) }]));
    const { body: study } = await send('POST', '/studies', externalSpec({ parameters, limits: { maxTrials: 500 } }));
    const config = (i: number) => Object.fromEntries(Array.from({ length: 16 }, (_, p) => [`p${p}`, values(p)[(i + p) % 3]]));
    const statuses: number[] = [];
    for (let round = 0; round < 12; round++) {
      const before = snapshot();
      const res = await send('POST', `/studies/${study.studyId}/trials/enqueue`, {
        configs: Array.from({ length: 10 }, (_, i) => config(i)),
      });
      statuses.push(res.status);
      expect([201, 400, 409, 413], JSON.stringify(res.body).slice(0, 200)).toContain(res.status);
      if (res.status >= 400) expect(snapshot()).toBe(before);
    }
    // Some fit, then the item (or the queue's limit) refuses more.
    expect(statuses[0]).toBe(201);
    expect(statuses.at(-1)).toBeGreaterThanOrEqual(400);
    expect((await send('GET', `/studies/${study.studyId}`)).status).toBe(200);
  });
});
