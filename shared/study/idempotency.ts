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
 * The record is written after the request succeeded, never before: a request that stopped between
 * its writes (a Lambda timeout) left no record, and its retry runs the operation again. Every
 * operation behind a key is itself idempotent for a re-run (deterministic ids, compare-and-set,
 * once-per-step measurements), so that re-run adds nothing; concurrent copies of one request both
 * run, and the first response kept is the answer of both. Refused requests (4xx) keep nothing.
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
 * Looks the key up before a request runs: the stored response when the same request already
 * answered (answer it again), nothing when the request should run. Nothing is written here, so a
 * request that is refused (4xx) or fails (5xx) leaves no trace; only a success is kept.
 */
export async function beginIdempotentRequest(
  store: StudyStore,
  claim: { team: string; key: string; fingerprint: string; now: Date },
): Promise<StoredResponse | undefined> {
  const record = await store.getIdempotencyRecord(claim.team, claim.key);
  if (!record || record.expiresAt <= Math.floor(claim.now.getTime() / 1000)) return undefined;
  if (record.fingerprint !== claim.fingerprint)
    throw new IdempotencyKeyReusedError(`Idempotency-Key ${claim.key} was used for another request: send a new key for a new request`);
  return record.response;
}

/**
 * Keeps the response of a request that succeeded (one conditional put). When a concurrent run of
 * the same request kept its response first, that response is the answer, so both answer alike.
 */
export async function finishIdempotentRequest(
  store: StudyStore,
  claim: { team: string; key: string; fingerprint: string; now: Date },
  response: StoredResponse,
): Promise<StoredResponse> {
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
  for (let attempt = 0; ; attempt++) {
    const { record, created } = await store.createIdempotencyRecord(done);
    if (created) return response;
    if (record.expiresAt > nowSeconds) {
      // Another request with this key answered meanwhile: the same request's answer is the answer.
      return record.fingerprint === claim.fingerprint && record.response ? record.response : response;
    }
    // Expired but not yet removed by TTL: the key is free again.
    try {
      await store.updateIdempotencyRecord({ ...done, version: record.version });
      return response;
    } catch (e) {
      if (!(e instanceof RetryableConflictError) || attempt >= 20) throw e;
    }
  }
}
