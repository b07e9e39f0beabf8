import { describe, expect, it } from 'vitest';
import { jsonNestsDeeperThan } from '../../functions/api/json-depth.js';
import { MemoryStore } from '../../shared/store/memory.js';
import {
  beginIdempotentRequest,
  canonicalJson,
  finishIdempotentRequest,
  idempotencyTtlSeconds,
  IdempotencyKeyReusedError,
  requestFingerprint,
} from '../../shared/study/idempotency.js';

const claim = (fingerprint: string, at = '2026-01-01T00:00:00Z') => ({ team: 'team-a', key: 'k-1', fingerprint, now: new Date(at) });

describe('idempotency keys', () => {
  it('answers a finished request again, and refuses the key for another request', async () => {
    // Prepare
    const store = new MemoryStore();
    const a = requestFingerprint('POST', '/studies', '{"a":1}');
    const b = requestFingerprint('POST', '/studies', '{"a":2}');
    // Act
    const first = await beginIdempotentRequest(store, claim(a));
    const kept = await finishIdempotentRequest(store, claim(a), { status: 201, body: '{"id":1}' });
    const again = await beginIdempotentRequest(store, claim(a));
    const other = beginIdempotentRequest(store, claim(b));
    // Assess
    expect(first).toBeUndefined();
    expect(kept).toEqual({ status: 201, body: '{"id":1}' });
    expect(again).toEqual({ status: 201, body: '{"id":1}' });
    await expect(other).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    expect((await store.getIdempotencyRecord('team-a', 'k-1'))!.expiresAt).toBe(
      Date.parse('2026-01-01T00:00:00Z') / 1000 + idempotencyTtlSeconds,
    );
  });

  it('keeps the first response when two runs of one request finish', async () => {
    const store = new MemoryStore();
    const a = requestFingerprint('POST', '/x', 'same');
    await finishIdempotentRequest(store, claim(a), { status: 201, body: 'first' });
    expect(await finishIdempotentRequest(store, claim(a), { status: 200, body: 'second' })).toEqual({ status: 201, body: 'first' });
  });

  it('frees an expired key that TTL has not removed yet', async () => {
    const store = new MemoryStore();
    await finishIdempotentRequest(store, claim('old'), { status: 201, body: 'old' });
    const later = new Date(Date.parse('2026-01-01T00:00:00Z') + (idempotencyTtlSeconds + 1) * 1000).toISOString();
    expect(await beginIdempotentRequest(store, claim('new', later))).toBeUndefined();
    await finishIdempotentRequest(store, claim('new', later), { status: 201, body: 'new' });
    expect(await beginIdempotentRequest(store, claim('new', later))).toEqual({ status: 201, body: 'new' });
  });

  it('writes canonical JSON whatever the key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 1, e: 2 }], c: 3 } })).toBe('{"a":{"c":3,"d":[1,{"e":2,"f":1}]},"b":1}');
  });
});

describe('JSON nesting guard', () => {
  it('measures nesting outside strings only', () => {
    expect(jsonNestsDeeperThan('[[[]]]', 3)).toBe(false);
    expect(jsonNestsDeeperThan('[[[[]]]]', 3)).toBe(true);
    expect(jsonNestsDeeperThan('{"a":"[[[[[[\\"[[[["}', 1)).toBe(false);
    expect(jsonNestsDeeperThan('[{}, {}, [], []]', 2)).toBe(false);
  });
});
