import { createHash } from 'node:crypto';
import { ConflictError, RetryableConflictError } from '../errors.js';
import type { IdempotencyRecord, StudyStore } from '../store/port.js';

/**
 * Idempotency keys for client retries of API writes (the `Idempotency-Key` header, as Stripe and
 * the IETF draft define it): the first request with a key runs and its response is kept; the same
 * key with the same request answers that response again without running anything; the same key
 * with another request is refused. The record is one item of the study table (pk `TEAM#{team}`,
 * sk `IDEMPOTENCY#{key}`) written with single-item conditional puts, and DynamoDB's TTL removes
 * it after `expiresAt`.
 *
 * A request that stopped between its writes (a Lambda timeout) leaves its record PENDING; the
 * retry runs the operation again. Every operation behind a key is itself idempotent for a re-run
 * (deterministic ids, compare-and-set, once-per-step measurements), so that re-run adds nothing.
 */

/** How long a key is remembered. */
export const idempotencyTtlSeconds = 24 * 3600;

/** The key was used for another request: use a new key for a new request. */
export class IdempotencyKeyReusedError extends ConflictError {}

export interface StoredResponse {
  status: number;
  body: string;
}

/** Fingerprint of a request: method, path and the exact body bytes. */
export function requestFingerprint(method: string, path: string, body: string): string {
  return createHash('sha256').update(`${method.toUpperCase()} ${path}\n${body}`).digest('base64url');
}

/** JSON with object keys sorted, so that equal values give equal strings whatever the key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/**
 * Claims the key for a request. Returns the stored response when the same request already
 * finished (answer it again), nothing when the request should run.
 */
export async function beginIdempotentRequest(
  store: StudyStore,
  claim: { team: string; key: string; fingerprint: string; now: Date },
): Promise<StoredResponse | undefined> {
  const nowSeconds = Math.floor(claim.now.getTime() / 1000);
  const fresh: IdempotencyRecord = {
    team: claim.team,
    key: claim.key,
    fingerprint: claim.fingerprint,
    state: 'PENDING',
    createdAt: claim.now.toISOString(),
    expiresAt: nowSeconds + idempotencyTtlSeconds,
    version: 0,
  };
  for (let attempt = 0; ; attempt++) {
    const { record, created } = await store.createIdempotencyRecord(fresh);
    if (created) return undefined;
    if (record.expiresAt <= nowSeconds) {
      // Expired but not yet removed by TTL: the key is free again.
      try {
        await store.updateIdempotencyRecord({ ...fresh, version: record.version });
        return undefined;
      } catch (e) {
        if (!(e instanceof RetryableConflictError) || attempt >= 20) throw e;
        continue;
      }
    }
    if (record.fingerprint !== claim.fingerprint)
      throw new IdempotencyKeyReusedError(`Idempotency-Key ${claim.key} was used for another request: send a new key for a new request`);
    return record.state === 'DONE' ? record.response : undefined;
  }
}

/**
 * Keeps the response of a request that ran. When a concurrent run of the same request finished
 * first, its response is the answer (both runs answer alike).
 */
export async function finishIdempotentRequest(
  store: StudyStore,
  claim: { team: string; key: string; fingerprint: string; now: Date },
  response: StoredResponse,
): Promise<StoredResponse> {
  for (let attempt = 0; ; attempt++) {
    const record = await store.getIdempotencyRecord(claim.team, claim.key);
    if (!record) {
      const nowSeconds = Math.floor(claim.now.getTime() / 1000);
      const done: IdempotencyRecord = {
        team: claim.team,
        key: claim.key,
        fingerprint: claim.fingerprint,
        state: 'DONE',
        response,
        createdAt: claim.now.toISOString(),
        expiresAt: nowSeconds + idempotencyTtlSeconds,
        version: 0,
      };
      const { created } = await store.createIdempotencyRecord(done);
      if (created) return response;
      continue;
    }
    // The key expired and another request took it: this response is not its to keep.
    if (record.fingerprint !== claim.fingerprint) return response;
    if (record.state === 'DONE' && record.response) return record.response;
    try {
      await store.updateIdempotencyRecord({ ...record, state: 'DONE', response });
      return response;
    } catch (e) {
      if (!(e instanceof RetryableConflictError) || attempt >= 20) throw e;
    }
  }
}
