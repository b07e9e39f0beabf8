import type { MiddlewareHandler } from 'hono';
import { errorBody } from './errors.js';

/** `application/json`, with parameters (`; charset=utf-8`) or as a structured suffix (`application/merge-patch+json`). */
const jsonMediaType = /^application\/([a-z0-9.+-]*\+)?json\s*(;.*)?$/i;

/**
 * 415 for a request body that says it is not JSON (`curl -d` sends
 * `application/x-www-form-urlencoded`, `fetch` with a string `text/plain`): every body the API
 * reads is JSON. A body without a Content-Type is read as JSON, and an empty body is not checked
 * (routes without a body ignore it).
 */
export function jsonContentType(): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const type = c.req.header('content-type');
    if (type === undefined || jsonMediaType.test(type.trim()) || (await c.req.text()) === '') return next();
    return c.json(
      errorBody('UnsupportedMediaType', `the body must be application/json, not ${type.split(';')[0].trim() || '(empty)'}`),
      415,
    );
  };
}
