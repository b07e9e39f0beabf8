import { describe, expect, it } from 'vitest';
import { createApi } from '../../functions/api/app.js';
import {
  ClientError,
  ConflictError,
  InvalidInputError,
  ItemTooLargeError,
  NotFoundError,
  RetryableConflictError,
  RungError,
  UnauthenticatedError,
} from '../../shared/errors.js';
import { GpFitError } from '../../shared/samplers/gp.js';
import { MemoryStore } from '../../shared/store/memory.js';
import { IdempotencyKeyReusedError } from '../../shared/study/idempotency.js';
import { TooManyFailedTrialsError } from '../../shared/study/workflow.js';

/** A ClientError the API has no entry for: still the caller's fault. */
class UnlistedClientError extends ClientError {}
/** A domain error that is no ClientError: the service's fault. */
class UnlistedRungError extends RungError {}

/** The real API whose credential check throws `error`, as any route's first step would. */
async function answerTo(error: unknown) {
  const logged: unknown[][] = [];
  const api = createApi({
    service: { store: new MemoryStore(), now: () => new Date('2026-01-01T00:00:00Z'), random: () => 0.5 },
    starter: { start: async () => undefined },
    identify: () => {
      throw error;
    },
    publicUrl: () => undefined,
    log: { error: (...args) => void logged.push(args) },
  });
  const res = await api.request('/studies', { method: 'GET' });
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    retryAfter: res.headers.get('retry-after'),
    body: (await res.json()) as unknown,
    logged,
  };
}

const secret = 'SECRET-internal-detail';

describe('the API maps each error to one status and one body shape', () => {
  it.each([
    ['InvalidInputError', new InvalidInputError([{ path: 'limits.maxTrials', message: 'must be positive' }]), 400, 'InvalidInput'],
    ['UnauthenticatedError', new UnauthenticatedError('missing or unknown bearer token'), 401, 'Unauthenticated'],
    ['NotFoundError', new NotFoundError('study s1 not found'), 404, 'NotFound'],
    ['ConflictError', new ConflictError('study s1 is already COMPLETED'), 409, 'Conflict'],
    [
      'IdempotencyKeyReusedError (a ConflictError)',
      new IdempotencyKeyReusedError('the key was used for another request'),
      409,
      'IdempotencyKeyReused',
    ],
    ['RetryableConflictError', new RetryableConflictError('too many writers raced: try again'), 503, 'RetryableConflict'],
    [
      'ItemTooLargeError',
      new ItemTooLargeError('the record STUDY#s1 would take more than the 409600 bytes of one DynamoDB item'),
      413,
      'ItemTooLarge',
    ],
    ['a ClientError without an entry', new UnlistedClientError('the request is at fault'), 400, 'UnlistedClient'],
  ])('%s renders itself with its status, code and message, and is not logged', async (_, error, status, code) => {
    // Act
    const res = await answerTo(error);
    // Assess
    expect(res.status).toBe(status);
    expect(res.type).toMatch(/^application\/json/);
    const details = error instanceof InvalidInputError ? { details: error.issues } : {};
    expect(res.body).toEqual({ error: { code, message: error.message, ...details } });
    expect(res.logged).toEqual([]);
  });

  it('tells the caller of a lost race when to try again (Retry-After), and only then', async () => {
    // Act
    const raced = await answerTo(new RetryableConflictError('raced'));
    const conflict = await answerTo(new ConflictError('done'));
    // Assess
    expect(raced.retryAfter).toBe('1');
    expect(conflict.retryAfter).toBeNull();
  });

  it('names each field of an InvalidInputError in details', async () => {
    const res = await answerTo(
      new InvalidInputError(
        [
          { path: 'a', message: 'x' },
          { path: 'b.c', message: 'y' },
        ],
        'invalid query',
      ),
    );
    expect(res.body).toEqual({
      error: {
        code: 'InvalidInput',
        message: 'invalid query: a: x; b.c: y',
        details: [
          { path: 'a', message: 'x' },
          { path: 'b.c', message: 'y' },
        ],
      },
    });
  });

  it.each([
    ['GpFitError', new GpFitError(`not positive definite at ${secret}`)],
    ['TooManyFailedTrialsError', new TooManyFailedTrialsError(`3 trials failed: ${secret}`)],
    ['a RungError without an entry', new UnlistedRungError(secret)],
    ['a bare RungError', new RungError(secret)],
    ['an SDK-like Error', Object.assign(new Error(`ValidationException: ${secret}`), { name: 'ValidationException', Item: { secret } })],
    ['a TypeError', new TypeError(`cannot read ${secret}`)],
  ])("%s is the service's fault: a bare 500 that leaks nothing, and a log line", async (_, error) => {
    // Act
    const res = await answerTo(error);
    // Assess
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: { code: 'Internal', message: 'internal error' } });
    expect(JSON.stringify(res.body)).not.toContain(secret);
    expect(res.logged).toHaveLength(1);
    expect(res.logged[0]![0]).toBe('unhandled error');
    expect(JSON.stringify(res.logged[0])).not.toContain('"Item"');
  });

  it('answers an unknown route with the same JSON error shape', async () => {
    const api = createApi({
      service: { store: new MemoryStore(), now: () => new Date(), random: () => 0.5 },
      starter: { start: async () => undefined },
      identify: () => ({ team: 't', kind: 'person' }),
      publicUrl: () => undefined,
    });
    const res = await api.request('/nowhere', { method: 'GET' });
    expect([res.status, await res.json()]).toEqual([404, { error: { code: 'NotFound', message: 'no route GET /nowhere' } }]);
  });
});
