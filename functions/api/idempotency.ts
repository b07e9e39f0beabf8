import type { Context, MiddlewareHandler } from 'hono';
import { validateIdempotencyKey } from '../../shared/store/keys.js';
import { beginIdempotentRequest, finishIdempotentRequest, requestFingerprint } from '../../shared/study/idempotency.js';
import type { ApiDeps } from './deps.js';

export const idempotencyHeader = 'Idempotency-Key';

/** The request's idempotency key, checked (400 naming the header when malformed); undefined without one. */
export function idempotencyKeyOf(c: Context): string | undefined {
  const key = c.req.header(idempotencyHeader);
  return key === undefined ? undefined : validateIdempotencyKey(key);
}

/**
 * Every POST may carry `Idempotency-Key`: the same key with the same method, path and body
 * answers the first response again (header `Idempotent-Replayed: true`) and changes nothing; the
 * same key with another request is 409 IdempotencyKeyReused. Only 2xx responses are kept: a
 * refused or failed request runs again when retried. Keys are per team (the caller's identity),
 * kept 24 hours.
 */
export function idempotency(deps: Pick<ApiDeps, 'identify' | 'service'>): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method !== 'POST' || c.req.header(idempotencyHeader) === undefined) return next();
    const { team } = deps.identify(c);
    const key = idempotencyKeyOf(c)!;
    // Hono keeps the text, so the route reads the same body again.
    const body = await c.req.text();
    const claim = { team, key, fingerprint: requestFingerprint(c.req.method, c.req.path, body), now: deps.service.now() };
    const replay = await beginIdempotentRequest(deps.service.store, claim);
    if (replay) {
      return new Response(replay.body, {
        status: replay.status,
        headers: { 'content-type': 'application/json', 'idempotent-replayed': 'true' },
      });
    }
    await next();
    // Only successes are kept: a refused or failed request changed nothing, and its retry runs again.
    if (c.res.status >= 300) return;
    const produced = { status: c.res.status, body: await c.res.clone().text() };
    const answer = await finishIdempotentRequest(deps.service.store, claim, produced);
    if (answer !== produced) {
      c.res = new Response(answer.body, {
        status: answer.status,
        headers: { 'content-type': 'application/json', 'idempotent-replayed': 'true' },
      });
    }
  };
}
