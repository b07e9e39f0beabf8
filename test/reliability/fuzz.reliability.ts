import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { createApi, maxBodyBytes } from '../../functions/api/app.js';
import { maxJsonDepth } from '../../functions/api/json-depth.js';
import { bearerIdentity } from '../../runtime/local-api.js';
import { InvalidInputError } from '../../shared/errors.js';
import { FaultyStore } from '../../shared/store/faulty.js';
import { MemoryStore } from '../../shared/store/memory.js';
import { measurementSchema } from '../../shared/study/service.js';
import { parseStudySpec } from '../../shared/study/spec.js';
import { anomalies, record } from './support/counters.js';
import { studySpec, tokens } from './support/world.js';

/**
 * Fuzzed input: thousands of generated bad requests on every route and bad specs for the parser.
 * Each must answer 4xx (never 5xx) with a message, a 400 must name the field, and nothing may be
 * written.
 */

let store: FaultyStore;
let api: ReturnType<typeof createApi>;
let studyId: string;
const trialId = '0';

beforeEach(async () => {
  store = new FaultyStore(new MemoryStore(), undefined, false);
  let n = 0;
  api = createApi({
    service: { store, now: () => new Date('2026-01-01T00:00:00Z'), random: () => ((n = (n * 7 + 3) % 36), n / 36) },
    starter: { start: async () => undefined },
    identify: bearerIdentity({ tokens }),
    publicUrl: () => 'http://127.0.0.1:1/v1',
  });
  const created = await call('POST', '/studies', JSON.stringify(studySpec()));
  studyId = created.body.studyId;
  const at = '2026-01-01T00:00:00Z';
  await store.createTrial({
    team: 'team-a',
    studyId,
    trialId,
    number: 0,
    bracket: 0,
    rung: 0,
    params: { x: 0.5, act: 'relu' },
    state: 'RUNNING',
    resource: 0,
    rungValues: [],
    createdAt: at,
    updatedAt: at,
    version: 0,
  });
  store.writes.length = 0;
});

async function call(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const res = await api.request(path, {
    method,
    headers: { authorization: 'Bearer tokenA', 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, body: json, text };
}

/** What every rejected request must look like; returns what is wrong with it. */
function problemsOf(res: { status: number; body: any; text: string }, expectField?: string): string[] {
  const out: string[] = [];
  if (res.status >= 500 || res.status < 400) out.push(`answered ${res.status}: ${res.text.slice(0, 200)}`);
  const error = res.body?.error;
  if (!error || typeof error.message !== 'string' || error.message.length === 0) out.push(`no error message: ${res.text.slice(0, 200)}`);
  if (res.status === 400) {
    const details = error?.details as { path: string; message: string }[] | undefined;
    if (!details || details.length === 0) out.push('a 400 without details');
    else if (expectField !== undefined && !details.some((d) => names(d.path, expectField)))
      out.push(`details ${JSON.stringify(details.map((d) => d.path))} do not name ${expectField}`);
  }
  if (store.writes.length > 0) out.push(`wrote ${store.writes.map((w) => w.method).join(', ')}`);
  return out;
}

/** An issue path names a field when it is the field, inside it, or the object that holds it. */
function names(issuePath: string, field: string): boolean {
  if (issuePath === field || issuePath.startsWith(`${field}.`) || field.startsWith(`${issuePath}.`)) return true;
  // A rule between siblings (min above max) may name the other one of the pair.
  const parent = (p: string) => p.split('.').slice(0, -1).join('.');
  if (field.includes('.') && parent(issuePath) === parent(field)) return true;
  return issuePath === '' && !field.includes('.');
}

// ---------------------------------------------------------------- bad specs

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function leafPaths(value: Json, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([k, v]) => leafPaths(v, [...prefix, k]))];
}

const baseSpec = studySpec() as unknown as Json;
const specPaths = leafPaths(baseSpec).filter((p) => p.length > 0);
const wrongValues: Json[] = [null, true, 'x', '', -1, 0, 1.5, 1e300, [], {}, [1, 'a'], { a: 1 }, 'NaN', '9999999999999999999999'];

const specMutation = fc.oneof(
  fc.record({
    kind: fc.constant('replace' as const),
    path: fc.constantFrom(...specPaths),
    value: fc.oneof(fc.constantFrom(...wrongValues), fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>),
  }),
  fc.record({
    kind: fc.constant('unknown' as const),
    path: fc.constantFrom([] as string[], ...specPaths),
    key: fc.string({ minLength: 1, maxLength: 12 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), path: fc.constantFrom(...specPaths) }),
);

function mutate(m: fc.Arbitrary<unknown> extends never ? never : any): { spec: Json; field: string } {
  const spec = structuredClone(baseSpec) as any;
  const path: string[] = m.path;
  const parent = path.slice(0, -1).reduce((o: any, k: string) => o[k], spec);
  const last = path.at(-1)!;
  if (m.kind === 'replace') parent[last] = m.value;
  else if (m.kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else {
    const target = path.reduce((o: any, k: string) => o?.[k], spec);
    if (target === null || typeof target !== 'object' || Array.isArray(target)) parent[last] = { [m.key]: 1 };
    else target[m.key] = 1;
  }
  return { spec, field: path.join('.') };
}

function isValidSpec(spec: Json): boolean {
  try {
    parseStudySpec(spec);
    return true;
  } catch {
    return false;
  }
}

describe('fuzzed input', () => {
  it('the spec parser names the field of every bad spec and throws nothing else', () => {
    let cases = 0;
    const found: string[] = [];
    fc.assert(
      fc.property(specMutation, (m) => {
        const { spec, field } = mutate(m);
        try {
          parseStudySpec(spec);
          return true; // the mutation kept the spec valid: not a bad input
        } catch (e) {
          cases++;
          if (!(e instanceof InvalidInputError)) found.push(`${field}: ${(e as Error).name} ${(e as Error).message}`);
          else if (!e.issues.some((i) => names(i.path, field))) found.push(`${field}: issues ${JSON.stringify(e.issues)}`);
          return true;
        }
      }),
      { numRuns: 4000, seed: 7 },
    );
    record({ fuzz: cases });
    expect(anomalies(found).slice(0, 20)).toEqual([]);
    expect(cases).toBeGreaterThan(2000);
  });

  it('POST /studies: every bad spec is a 400 naming its field, and nothing is written', async () => {
    let cases = 0;
    const found: string[] = [];
    await fc.assert(
      fc.asyncProperty(specMutation, async (m) => {
        const { spec, field } = mutate(m);
        if (isValidSpec(spec)) return true;
        cases++;
        const problems = problemsOf(await call('POST', '/studies', JSON.stringify(spec)), field);
        if (problems.length > 0) found.push(`${field}: ${problems.join('; ')}`);
        store.writes.length = 0;
        return true;
      }),
      { numRuns: 1500, seed: 8 },
    );
    record({ fuzz: cases });
    expect(anomalies(found).slice(0, 20)).toEqual([]);
  });

  it('measurements: every bad body is a 400 naming its field, and nothing is written', async () => {
    let cases = 0;
    const found: string[] = [];
    const body = fc.oneof(
      fc.anything(),
      fc.record({ step: fc.anything(), metrics: fc.anything() }),
      fc.record({ step: fc.double(), metrics: fc.dictionary(fc.string(), fc.oneof(fc.double(), fc.string())) }, { requiredKeys: [] }),
    );
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const text = JSON.stringify(b);
        if (text === undefined || measurementSchema.safeParse(JSON.parse(text)).success) return true;
        cases++;
        const res = await call('POST', `/studies/${studyId}/trials/${trialId}/measurements`, text);
        const problems = problemsOf(res);
        if (res.status !== 400) problems.push(`answered ${res.status}, not 400`);
        if (problems.length > 0) found.push(`${text.slice(0, 80)}: ${problems.join('; ')}`);
        store.writes.length = 0;
        return true;
      }),
      { numRuns: 1500, seed: 9 },
    );
    record({ fuzz: cases });
    expect(anomalies(found).slice(0, 20)).toEqual([]);
  });

  it('every route: garbage ids, queries, bodies and headers answer 4xx with a message and write nothing', async () => {
    let cases = 0;
    const found: string[] = [];
    // Every route the API registers, the other teams' included.
    const routes = (api.routes as { method: string; path: string }[])
      .filter((r) => r.method !== 'ALL')
      .map((r) => ({ method: r.method, path: r.path }));
    const unique = [...new Map(routes.map((r) => [`${r.method} ${r.path}`, r])).values()];
    const segment = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom('..', '%', '%ZZ', '%00', 'a#b', 'x'.repeat(300), '0'.repeat(12), '-1', '1e3', ' '),
    );
    const request = fc.record({
      route: fc.constantFrom(...unique),
      studyId: segment,
      trialId: segment,
      query: fc.oneof(
        fc.constant(''),
        fc.string({ maxLength: 30 }).map((q) => `?limit=${encodeURIComponent(q)}`),
        fc.string({ maxLength: 60 }).map((q) => `?nextToken=${encodeURIComponent(q)}`),
      ),
      body: fc.oneof(
        fc.constant(undefined),
        fc.string({ maxLength: 200 }),
        fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
        fc.integer({ min: maxJsonDepth + 1, max: 20_000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
      ),
      key: fc.oneof(fc.constant(undefined), fc.string({ maxLength: 200 })),
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        // A real study id would make some of these legitimate requests (stop, patch): fuzz ids are never one.
        const sid = r.studyId === studyId ? `${r.studyId}x` : r.studyId;
        const path =
          r.route.path.replace(':studyId', encodeURIComponent(sid) || 'x').replace(':trialId', encodeURIComponent(r.trialId) || 'x') +
          (r.route.method === 'GET' ? r.query : '');
        const headers: Record<string, string> = {};
        if (r.key !== undefined && /^[\x20-\x7e]*$/.test(r.key)) headers['idempotency-key'] = r.key;
        const hasBody = r.route.method !== 'GET';
        const res = await call(r.route.method, path, hasBody ? r.body : undefined, headers);
        cases++;
        // Listing the caller's own studies with a good query is a 200: anything else must be refused.
        const legitimate = res.status < 300 && r.route.method === 'GET' && r.route.path === '/studies';
        const problems = legitimate ? [] : problemsOf(res);
        if (problems.length > 0) found.push(`${r.route.method} ${path.slice(0, 80)}: ${problems.join('; ')}`);
        store.writes.length = 0;
        return true;
      }),
      { numRuns: 2500, seed: 10 },
    );
    record({ fuzz: cases });
    expect(anomalies(found).slice(0, 20)).toEqual([]);
  });

  it('rejects deep nesting with 400 and oversized bodies with 413 before parsing', async () => {
    const deep = await call('POST', '/studies', `${'{"a":'.repeat(maxJsonDepth + 1)}1${'}'.repeat(maxJsonDepth + 1)}`);
    const huge = await call('POST', '/studies', JSON.stringify({ ...studySpec(), name: 'x'.repeat(maxBodyBytes) }));
    const badKey = await call('POST', '/studies', JSON.stringify(studySpec()), { 'idempotency-key': 'no spaces allowed' });
    record({ fuzz: 3 });
    expect([deep.status, deep.body.error.details[0].message]).toEqual([
      400,
      `the body nests arrays and objects deeper than ${maxJsonDepth} levels`,
    ]);
    expect(huge.status).toBe(413);
    expect([badKey.status, badKey.body.error.details[0].path]).toEqual([400, 'Idempotency-Key']);
    expect(store.writes).toEqual([]);
  });
});
