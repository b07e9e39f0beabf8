import { describe, expect, it } from 'vitest';
import { maxResponseBodyBytes } from '../../functions/api/response-limit.js';
import { memoryContexts } from '../support/contexts.js';
import { makeMeasurement, makeStudy, makeTrial } from '../support/factories.js';
import { testApi } from '../support/rest-api.js';

/**
 * A Lambda answers at most 6 MB: listings are cut by bytes (with the token to go on), and an
 * answer that would still pass the limit is the API's own error, wherever the API runs.
 */
async function world() {
  const { store, service } = memoryContexts();
  await store.createStudy(makeStudy({ team: 'team-a', studyId: 'big', state: 'RUNNING' }));
  const api = testApi(service);
  const get = async (path: string) => {
    const res = await api.request(path, { headers: { authorization: 'Bearer tokenA' } });
    const text = await res.text();
    return { status: res.status, bytes: Buffer.byteLength(text), body: JSON.parse(text) as any };
  };
  return { store, get };
}

describe('answers within what a Lambda returns', () => {
  it('cuts a page of large trials by bytes, and its tokens reach every trial once', async () => {
    // Prepare: 24 trials of about 380 KB each (9 MB together).
    const { store, get } = await world();
    for (let n = 0; n < 24; n++)
      await store.createTrial(
        makeTrial({ team: 'team-a', studyId: 'big', trialId: String(n), number: n, params: { blob: `${n}`.padEnd(380_000, 'x') } }),
      );

    // Act
    const pages = [];
    let token: string | undefined;
    do {
      const page = await get(`/studies/big/trials?limit=100${token ? `&nextToken=${encodeURIComponent(token)}` : ''}`);
      pages.push(page);
      token = page.body.nextToken;
    } while (token && pages.length < 10);

    // Assess
    expect(pages.length).toBeGreaterThan(1);
    for (const p of pages) {
      expect(p.status).toBe(200);
      expect(p.bytes).toBeLessThanOrEqual(maxResponseBodyBytes);
    }
    const ids = pages.flatMap((p) => p.body.items.map((t: { trialId: string }) => t.trialId));
    expect(ids).toEqual(Array.from({ length: 24 }, (_, i) => String(i)));
  });

  it('answers a trial whose measurements would pass 6 MB with the API error that says so, not a bare 502', async () => {
    // Prepare: 19 measurements of about 340 KB each.
    const { store, get } = await world();
    await store.createTrial(makeTrial({ team: 'team-a', studyId: 'big', trialId: '0', number: 0 }));
    const metrics = Object.fromEntries(
      Array.from({ length: 5000 }, (_, i) => [`metric_${String(i).padStart(4, '0')}_${'m'.repeat(48)}`, i]),
    );
    for (let step = 1; step <= 19; step++)
      await store.putMeasurement(makeMeasurement({ team: 'team-a', studyId: 'big', trialId: '0', step, metrics }));

    // Act
    const shown = await get('/studies/big/trials/0');

    // Assess
    expect(shown.status).toBe(500);
    expect(shown.body.error.code).toBe('ResponseTooLarge');
    expect(shown.body.error.message).toMatch(/more than the 6000000 an AWS Lambda answer carries/);
  });
});
