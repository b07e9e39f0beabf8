import type { Context } from 'hono';
import { InvalidInputError } from '../../shared/errors.js';
import { pageQuerySchema } from '../../shared/study/service.js';
import { zodIssues } from '../../shared/study/spec.js';

/** The request's JSON body; 400 when it is missing (unless `optional`, then `{}`) or not JSON. */
export async function jsonBody(c: Context, options: { optional?: boolean } = {}): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') {
    if (options.optional) return {};
    throw new InvalidInputError([{ path: '', message: 'a JSON body is required' }]);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidInputError([{ path: '', message: 'the body is not valid JSON' }]);
  }
}

/** The page a list route is asked for (`limit`, `nextToken`); 400 naming the bad query field. */
export function pageOf(c: Context) {
  const parsed = pageQuerySchema.safeParse(c.req.query());
  if (!parsed.success) throw new InvalidInputError(zodIssues(parsed.error), 'invalid query');
  return parsed.data;
}
