import type { ParsedArchitecture } from './kind.js';

/** Helpers the kinds share for checking what a user wrote: a spec, or a composed value. */

/** The values that occur more than once (compared as JSON), each repetition listed. */
export function duplicates<T>(values: readonly T[]): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const v of values) {
    const k = JSON.stringify(v);
    if (seen.has(k)) out.push(v);
    seen.add(k);
  }
  return out;
}

export const failure =
  (kind: string) =>
  (message: string): ParsedArchitecture<never> => ({ ok: false, message: `is not ${kind} of this space: ${message}` });

export function parseJson(text: string): { ok: true; data: unknown } | { ok: false } {
  try {
    return { ok: true, data: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

export const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
