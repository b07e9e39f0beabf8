import { Worker } from 'node:worker_threads';
import { loadLcbench, lcbenchParameters, type LcbenchTask } from '../shared/sim/lcbench.js';
import { regretAt, simulate } from '../shared/sim/simulator.js';
import { SearchSpace } from '../shared/space/space.js';
import { methodFor } from './methods.js';

export const lcbenchCheckpoints = [0.0625, 0.125, 0.25, 0.5, 1.0] as const;

export interface LcbenchRun {
  data: string;
  tasks?: string[];
  method: string;
  workers: number;
  seeds: number;
  seedStart: number;
  jobs: number;
  log: (msg: string) => void;
}

export interface TaskScore {
  task: string;
  regrets: number[];
  trials: number;
  rows: number;
  busy: number;
  seconds: number;
}

/** Mean regret per checkpoint over the seeds of one task (the protocol's first average). */
export function scoreTask(task: LcbenchTask, method: string, workers: number, seeds: number[]): TaskScore {
  const m = methodFor(method);
  const space = new SearchSpace(lcbenchParameters);
  const t0 = performance.now();
  const budget = { workers, seconds: task.budget, medianTimeAt: (e: number) => task.medianTimeAt(e) };
  const sums = lcbenchCheckpoints.map(() => 0);
  let trials = 0;
  let rows = 0;
  let busy = 0;
  for (const seed of seeds) {
    const result = simulate({ table: task, space, scheduler: m.scheduler(task.maxEpoch, budget), sampler: m.sampler, workers, seed });
    regretAt(result, task, lcbenchCheckpoints).forEach((r, i) => (sums[i] += r));
    trials += result.trials;
    rows += result.rows;
    busy += result.busyFraction;
  }
  return {
    task: task.name,
    regrets: sums.map((s) => s / seeds.length),
    trials: trials / seeds.length,
    rows: rows / seeds.length,
    busy: busy / seeds.length,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** Runs every (task, seed) and averages as the protocol says: over seeds per task, then over tasks. */
export async function runLcbench(run: LcbenchRun) {
  methodFor(run.method); // fail fast on an unknown name
  const seeds = Array.from({ length: run.seeds }, (_, i) => run.seedStart + i);
  const t0 = performance.now();
  const names = run.tasks ?? loadLcbench(run.data).map((t) => t.name);
  const jobs = Math.min(run.jobs, names.length);
  const groups: string[][] = Array.from({ length: jobs }, () => []);
  names.forEach((n, i) => groups[i % jobs].push(n));

  const scores = new Map<string, TaskScore>();
  const report = (s: TaskScore) => {
    scores.set(s.task, s);
    run.log(
      `lcbench ${run.method} task ${s.task}: ${s.regrets.map((x) => x.toFixed(4)).join(' ')}  (${s.trials.toFixed(0)} trials/run, ${s.rows.toFixed(0)} rows, busy ${(100 * s.busy).toFixed(0)}%, ${s.seconds.toFixed(1)}s)`,
    );
  };
  if (jobs <= 1) {
    for (const task of loadLcbench(run.data, names)) report(scoreTask(task, run.method, run.workers, seeds));
  } else {
    await Promise.all(
      groups.map(
        (group) =>
          new Promise<void>((resolve, reject) => {
            // Worker threads do not inherit tsx's loader: the thread registers it, then loads the module.
            const entry = new URL('./lcbench-worker.ts', import.meta.url).href;
            const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
            const worker = new Worker(boot, {
              eval: true,
              workerData: { data: run.data, tasks: group, method: run.method, workers: run.workers, seeds },
            });
            worker.on('message', (s: TaskScore) => report(s));
            worker.on('error', reject);
            worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker exited with ${code}`))));
          }),
      ),
    );
  }
  const tasks: Record<string, number[]> = {};
  for (const n of names) tasks[n] = scores.get(n)!.regrets; // file order, whatever finished first
  const rows = Object.values(tasks);
  const mean = lcbenchCheckpoints.map((_, i) => rows.reduce((s, r) => s + r[i], 0) / rows.length);
  run.log(
    `lcbench ${run.method}: mean ${mean.map((x) => x.toFixed(4)).join(' ')} summary ${(mean.reduce((a, b) => a + b, 0) / mean.length).toFixed(4)}  total ${((performance.now() - t0) / 1000).toFixed(1)}s`,
  );
  return {
    suite: 'lcbench',
    method: run.method,
    workers: run.workers,
    seeds: run.seeds,
    seed_start: run.seedStart,
    checkpoints: [...lcbenchCheckpoints],
    tasks,
    mean,
    summary: mean.reduce((a, b) => a + b, 0) / mean.length,
  };
}
