import type { Context } from 'hono';
import {
  ClientError,
  ConflictError,
  ForbiddenError,
  InvalidInputError,
  ItemTooLargeError,
  loggableError,
  NotFoundError,
  RetryableConflictError,
  UnauthenticatedError,
  type Issue,
} from '../../shared/errors.js';
import type { ApiDeps } from './deps.js';

/** The one shape of every error the API answers. */
export function errorBody(code: string, message: string, details?: Issue[]) {
  return { error: { code, message, ...(details ? { details } : {}) } };
}

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * The errors that render themselves, most specific first: the caller's faults (4xx) and a lost
 * race that the caller may simply retry (503). Any other ClientError is a 400; everything else,
 * a RungError of the domain's own (GpFitError, TooManyFailedTrialsError) included, is the
 * service's fault and answers a bare 500.
 */
const statuses: [ErrorClass, 400 | 401 | 403 | 404 | 409 | 413 | 503][] = [
  [InvalidInputError, 400],
  [UnauthenticatedError, 401],
  [ForbiddenError, 403],
  [NotFoundError, 404],
  [ConflictError, 409],
  // A record the request would grow past DynamoDB's item size: the same request fails again.
  [ItemTooLargeError, 413],
  [RetryableConflictError, 503],
  [ClientError, 400],
];

/** The status a known error answers with; undefined for an error that must not reach the caller. */
export function statusOf(e: unknown): 400 | 401 | 403 | 404 | 409 | 413 | 503 | undefined {
  return statuses.find(([type]) => e instanceof type)?.[1];
}

/** Hono's onError for the API: a known error renders itself; anything else is logged and answered with a 500 that leaks nothing. */
export function renderError(deps: Pick<ApiDeps, 'log'>) {
  return (err: Error, c: Context) => {
    const status = statusOf(err);
    if (status !== undefined) {
      const details = err instanceof InvalidInputError ? err.issues : undefined;
      // A lost race: the same request is likely to succeed at once (RFC 9110 Retry-After, in seconds).
      if (status === 503) c.header('Retry-After', '1');
      return c.json(errorBody(err.name.replace(/Error$/, ''), err.message, details), status);
    }
    deps.log?.error('unhandled error', { error: loggableError(err) });
    return c.json(errorBody('Internal', 'internal error'), 500);
  };
}

export function renderNotFound(c: Context) {
  return c.json(errorBody('NotFound', `no route ${c.req.method} ${c.req.path}`), 404);
}
