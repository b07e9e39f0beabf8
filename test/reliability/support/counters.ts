import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

/**
 * What the reliability suite tried and found. Each test file adds its counts to a file in
 * RUNG_RELIABILITY_DIR (set by vitest.reliability.config.ts); the reporter sums them into the
 * closing `reliability:` line.
 */
export interface Counts {
  duplicates: number;
  interleavings: number;
  faults: number;
  fuzz: number;
  anomalies: number;
  /** Distinct write points that a fault hit. */
  writePoints?: string[];
}

export function record(counts: Partial<Counts>): void {
  const dir = process.env.RUNG_RELIABILITY_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  appendFileSync(path.join(dir, `${process.pid}.jsonl`), `${JSON.stringify(counts)}\n`);
}

/** Records the anomalies a check found (one per violated invariant) and returns them for the assertion. */
export function anomalies(found: string[]): string[] {
  if (found.length > 0) record({ anomalies: found.length });
  return found;
}
