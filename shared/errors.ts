/**
 * One error type per meaning, named for what the caller should do. Adapters turn their own
 * failures (SDK exceptions, HTTP) into these at the boundary; the API maps each to a status.
 */
export class RungError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export interface Issue {
  /** Dotted path of the offending field, e.g. `parameters.lr.min`. */
  path: string;
  /** The rule that failed, in words a user can act on. */
  message: string;
}

/**
 * The caller's request is at fault (what it sent, who sent it, what it asked for): the API answers
 * these with a 4xx. Any other error is the service's own fault, answered with a bare 500.
 */
export class ClientError extends RungError {}

/** The input is wrong: fix it and send again. Nothing was written. */
export class InvalidInputError extends ClientError {
  readonly issues: Issue[];
  constructor(issues: Issue[], message = 'invalid input') {
    super(`${message}: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`);
    this.issues = issues;
  }
}

/** The thing does not exist (or belongs to another team, which looks the same). */
export class NotFoundError extends ClientError {}

/** The thing exists but is in a state that forbids the request: do not retry as is. */
export class ConflictError extends ClientError {}

/** A concurrent writer won a compare-and-set: re-read and try again (no fault of the caller's). */
export class RetryableConflictError extends RungError {}

/**
 * A record would outgrow the store's item size (DynamoDB's 400 KB): nothing was written, and the
 * same request will fail again; send less (fewer or shorter values) or start a new study.
 */
export class ItemTooLargeError extends ClientError {}

/** The caller could not be identified. */
export class UnauthenticatedError extends ClientError {}

/** The caller is known, and its credential does not reach what it asked for (a job token naming another trial). */
export class ForbiddenError extends ClientError {}

/**
 * An error as a log line may carry it: names, messages and the stack, never the other attributes
 * an error or its cause holds (an SDK error's `Item` is a whole stored study or trial, with its
 * parameters and environment).
 */
export function loggableError(e: unknown, depth = 0): { name: string; message: string; stack?: string; cause?: unknown } {
  if (!(e instanceof Error)) return { name: typeof e, message: 'a non-Error value was thrown' };
  const cause = e.cause !== undefined && depth < 3 ? loggableError(e.cause, depth + 1) : undefined;
  return { name: e.name, message: e.message.slice(0, 2000), stack: e.stack, ...(cause ? { cause } : {}) };
}
