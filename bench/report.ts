import { readFileSync } from 'node:fs';

/** Prints a markdown table of lcbench results: `tsx bench/report.ts FILE...` (rung and Optuna JSON alike). */
const rows = process.argv
  .slice(2)
  .map((f) => JSON.parse(readFileSync(f, 'utf8')) as { method: string; mean: number[]; summary: number; tasks: Record<string, number[]> });
console.log('| method | tasks | T/16 | T/8 | T/4 | T/2 | T | summary |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows.sort((a, b) => a.summary - b.summary)) {
  console.log(
    `| ${r.method} | ${Object.keys(r.tasks).length} | ${r.mean.map((x) => x.toFixed(4)).join(' | ')} | **${r.summary.toFixed(4)}** |`,
  );
}
