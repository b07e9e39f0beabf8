import type { MiddlewareHandler } from 'hono';
import { errorBody } from './errors.js';

/**
 * What one answer may carry: a Lambda's response payload is at most 6 MB (6,291,456 bytes), and
 * API Gateway's proxy integration wraps the body in a JSON envelope with the headers, so the body
 * keeps a margin below it. Above it AWS answers 502 with nothing of the API's own.
 */
export const maxResponseBodyBytes = 6_000_000;

/** The share of that budget a listing's items may take (a page is cut there and says where to go on). */
export const maxPageBytes = 5_000_000;

/**
 * The same rule wherever the API runs, so that the embedded runtime fails where AWS would, with
 * an error in the API's envelope that says what to do instead of a bare 502. Listings never reach
 * it (boundedPage cuts them); one trial's measurements past 6 MB would.
 */
export function responseLimit(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (!c.res.body) return;
    const bytes = (await c.res.clone().arrayBuffer()).byteLength;
    if (bytes <= maxResponseBodyBytes) return;
    const message = `the answer would take ${bytes} bytes, more than the ${maxResponseBodyBytes} an AWS Lambda answer carries: ask for less (a smaller limit)`;
    c.res = new Response(JSON.stringify(errorBody('ResponseTooLarge', message)), {
      status: 500,
      headers: { 'content-type': 'application/json' },
    });
  };
}

/**
 * A listing's page as the API shows it (`view` of each item), cut where the views' JSON passes
 * `maxPageBytes` (one item at least: an item is at most 400 KB), with the token after the last
 * item kept; the store's own page and token when it fits.
 */
export function boundedPage<T, V>(
  page: { items: T[]; nextToken?: string },
  view: (item: T) => V,
  tokenAfter: (item: T) => string,
  budget = maxPageBytes,
): { items: V[]; nextToken?: string } {
  const views: V[] = [];
  let bytes = 0;
  for (const item of page.items) {
    const shown = view(item);
    bytes += Buffer.byteLength(JSON.stringify(shown), 'utf8') + 1;
    if (bytes > budget && views.length > 0) return { items: views, nextToken: tokenAfter(page.items[views.length - 1]!) };
    views.push(shown);
  }
  return { items: views, ...(page.nextToken !== undefined ? { nextToken: page.nextToken } : {}) };
}
