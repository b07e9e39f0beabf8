import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Reporter } from 'vitest/reporters';
import type { Counts } from './counters.js';

/** Prints the closing line: `reliability: D duplicates, I interleavings, F faults, Z fuzz cases, A anomalies`. */
export default class ReliabilityReporter implements Reporter {
  constructor(private readonly dir: string) {}

  onTestRunEnd(modules: ReadonlyArray<{ state(): string }>): void {
    const total: Counts = { duplicates: 0, interleavings: 0, faults: 0, fuzz: 0, anomalies: 0 };
    const points = new Set<string>();
    const files = existsSync(this.dir) ? readdirSync(this.dir).filter((f) => f.endsWith('.jsonl')) : [];
    for (const f of files) {
      for (const line of readFileSync(path.join(this.dir, f), 'utf8').split('\n').filter(Boolean)) {
        const c = JSON.parse(line) as Partial<Counts>;
        total.duplicates += c.duplicates ?? 0;
        total.interleavings += c.interleavings ?? 0;
        total.faults += c.faults ?? 0;
        total.fuzz += c.fuzz ?? 0;
        total.anomalies += c.anomalies ?? 0;
        for (const p of c.writePoints ?? []) points.add(p);
      }
    }
    // A failed test that recorded nothing still counts as one anomaly.
    const failedModules = modules.filter((m) => m.state() === 'failed').length;
    const anomalies = Math.max(total.anomalies, failedModules);
    if (points.size > 0) console.log(`fault injection covered ${points.size} write points: ${[...points].sort().join(', ')}`);
    console.log(
      `reliability: ${total.duplicates} duplicates, ${total.interleavings} interleavings, ${total.faults} faults, ${total.fuzz} fuzz cases, ${anomalies} anomalies`,
    );
  }
}
