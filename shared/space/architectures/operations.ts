import * as z from 'zod';
import type { ArchitectureIssue } from './kind.js';
import { duplicates } from './user-input.js';

/** The operations of cells (cell, darts_cell): their names, and which of them carry no signal. */

const opName = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/, 'must be an operation name (letters, digits, _ . -; no | ~ + or spaces)');
export const opsSchema = z.array(opName).min(1, 'must list at least one operation').max(64);

/** Operations that carry no signal: an edge holding one is absent from the architecture. */
export const nonConnectingOps: ReadonlySet<string> = new Set(['none', 'zero']);

export const connects = (op: string): boolean => !nonConnectingOps.has(op);

export function opsProblems(ops: readonly string[], kind: string): ArchitectureIssue[] {
  const issues: ArchitectureIssue[] = [];
  const dup = duplicates(ops);
  if (dup.length) issues.push({ path: ['ops'], message: `operations must be unique (${dup.join(', ')} repeated)` });
  if (ops.length > 0 && !ops.some(connects))
    issues.push({
      path: ['ops'],
      message: `every operation (${ops.join(', ')}) is non-connecting: no ${kind} could link its input to its output`,
    });
  return issues;
}
