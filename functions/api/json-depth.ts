import type { MiddlewareHandler } from 'hono';
import { InvalidInputError } from '../../shared/errors.js';

/** Deepest nesting of arrays and objects a request body may have: specs need about 6 levels. */
export const maxJsonDepth = 32;

/**
 * Whether JSON text nests arrays/objects deeper than `max`, found by one pass over the text
 * before anything parses it (so that a deep body costs no recursion anywhere). Brackets inside
 * strings do not count.
 */
export function jsonNestsDeeperThan(text: string, max = maxJsonDepth): boolean {
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === 0x5c) escaped = true;
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x7b || ch === 0x5b) {
      if (++depth > max) return true;
    } else if (ch === 0x7d || ch === 0x5d) depth--;
  }
  return false;
}

/** Rejects a body that nests deeper than `maxJsonDepth` with 400 before any route parses it. */
export function jsonDepthGuard(): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    if (jsonNestsDeeperThan(await c.req.text()))
      throw new InvalidInputError([{ path: '', message: `the body nests arrays and objects deeper than ${maxJsonDepth} levels` }]);
    return next();
  };
}
