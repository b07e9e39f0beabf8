import { InvalidInputError } from '../errors.js';
import type { Page, PageRequest, Study } from '../study/types.js';
import { idPattern, trialSortKeyPattern } from './keys.js';

/**
 * Page tokens, shared by every store so that they behave alike. A token is base64url(JSON) of
 * a cursor: the last item of the page, never an offset, so that writes between two pages neither
 * repeat nor skip items. Tokens are checked on decode: garbage is an InvalidInputError, never
 * a store error. A token names a position only (a sort key, or createdAt + studyId); the
 * partition always comes from the request, so a token cannot reach another team's items.
 */

export const defaultPageLimit = 100;
export const maxPageLimit = 1000;
const maxTokenLength = 1024;

function badToken(): InvalidInputError {
  return new InvalidInputError([{ path: 'nextToken', message: 'is not a token returned by this listing' }], 'invalid page token');
}

export function pageLimit(page?: PageRequest): number {
  const limit = page?.limit ?? defaultPageLimit;
  if (!Number.isInteger(limit) || limit < 1 || limit > maxPageLimit)
    throw new InvalidInputError([{ path: 'limit', message: `must be an integer from 1 to ${maxPageLimit}` }], 'invalid page request');
  return limit;
}

function encode(cursor: Record<string, string>): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

function decode(token: unknown): Record<string, unknown> {
  if (typeof token !== 'string' || token.length === 0 || token.length > maxTokenLength || !/^[A-Za-z0-9_-]+$/.test(token)) throw badToken();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw badToken();
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badToken();
  return value as Record<string, unknown>;
}

/** Token of a listing ordered by sort key (trials): the sort key of the page's last item. */
export function encodeTrialToken(sk: string): string {
  return encode({ t: sk });
}

export function decodeTrialToken(token: string): string {
  const cursor = decode(token);
  const sk = cursor.t;
  if (Object.keys(cursor).length !== 1 || typeof sk !== 'string' || !trialSortKeyPattern.test(sk)) throw badToken();
  return sk;
}

export interface StudyCursor {
  createdAt: string;
  studyId: string;
}

export function encodeStudyToken(study: StudyCursor): string {
  return encode({ c: study.createdAt, s: study.studyId });
}

export function decodeStudyToken(token: string): StudyCursor {
  const cursor = decode(token);
  const { c, s } = cursor;
  if (Object.keys(cursor).length !== 2 || typeof c !== 'string' || c.length > 64 || typeof s !== 'string' || !idPattern.test(s))
    throw badToken();
  return { createdAt: c, studyId: s };
}

/** Newest first (createdAt descending), ties by studyId ascending: a total order. */
export function compareStudies(a: StudyCursor, b: StudyCursor): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.studyId < b.studyId ? -1 : a.studyId > b.studyId ? 1 : 0;
}

/**
 * One page of a team's studies, given all of them (in any order). The table has no index on
 * createdAt, so both stores read the team's whole partition and sort here.
 */
export function pageOfStudies(all: Study[], page?: PageRequest): Page<Study> {
  const limit = pageLimit(page);
  const after = page?.nextToken === undefined ? undefined : decodeStudyToken(page.nextToken);
  const sorted = [...all].sort(compareStudies);
  const rest = after ? sorted.filter((s) => compareStudies(s, after) > 0) : sorted;
  const items = rest.slice(0, limit);
  return rest.length > limit ? { items, nextToken: encodeStudyToken(items[items.length - 1]) } : { items };
}
