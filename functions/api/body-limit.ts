import type { MiddlewareHandler } from 'hono';
import { errorBody } from './errors.js';

export const maxBodyBytes = 256 * 1024;

/**
 * How much of an oversized body the server reads and discards so that the connection stays
 * usable: an HTTP/1.1 server that answers before the body is read must either read the rest or
 * close the connection, or the client's next request on it meets a reset.
 */
export const maxDrainBytes = 16 * maxBodyBytes;

/**
 * 413 for a body over `maxBodyBytes`. A body up to `maxDrainBytes` is read to its end first (the
 * connection is kept); a longer one (by its Content-Length, or once that much has arrived) is
 * answered with `Connection: close`, so that the client opens a new connection for its next
 * request instead of finding this one reset.
 */
export function bodyLimit(): MiddlewareHandler {
  return async (c, next) => {
    const body = c.req.raw.body;
    if (!body) return next();
    const tooLarge = (close: boolean) => {
      if (close) c.header('Connection', 'close');
      return c.json(errorBody('PayloadTooLarge', `the body exceeds ${maxBodyBytes} bytes`), 413);
    };
    const declared = Number(c.req.header('content-length') ?? NaN);
    if (declared > maxDrainBytes) return tooLarge(true);
    const reader = body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > maxDrainBytes) return tooLarge(true);
      if (size <= maxBodyBytes) chunks.push(value);
    }
    if (size > maxBodyBytes) return tooLarge(false);
    c.req.raw = new Request(c.req.raw, { body: Buffer.concat(chunks) });
    return next();
  };
}
