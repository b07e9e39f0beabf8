import { Worker } from 'node:worker_threads';
import { loadLcbench, lcbenchParameters, type LcbenchTask } from '../shared/sim/lcbench.js';
import { noStartCost, regretAt, simulate, type Execution } from '../shared/sim/simulator.js';
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
  /** Start costs of the executor (default: none, the protocol's replay). */
  execution?: Execution;
  log: (msg: string) => void;
}

export interface TaskScore {
  task: string;
  regrets: number[];
  trials: number;
  rows: number;
  busy: number;
  /** Fraction of W * T spent starting containers and processes. */
  starting: number;
  seconds: number;
}

/** Mean regret per checkpoint over the seeds of one task (the protocol's first average). */
export function scoreTask(task: LcbenchTask, method: string, workers: number, seeds: number[], execution = noStartCost): TaskScore {
  const m = methodFor(method);
  const space = new SearchSpace(lcbenchParameters);
  const t0 = performance.now();
  const budget = { workers, seconds: task.budget, medianTimeAt: (e: number) => task.medianTimeAt(e) };
  const sums = lcbenchCheckpoints.map(() => 0);
  let trials = 0;
  let rows = 0;
  let busy = 0;
  let starting = 0;
  for (const seed of seeds) {
    const scheduler = m.scheduler(task.maxEpoch, budget);
    const result = simulate({ table: task, space, scheduler, sampler: m.sampler, workers, seed, execution });
    regretAt(result, task, lcbenchCheckpoints).forEach((r, i) => (sums[i] += r));
    trials += result.trials;
    rows += result.rows;
    busy += result.busyFraction;
    starting += result.startFraction;
  }
  return {
    task: task.name,
    regrets: sums.map((s) => s / seeds.length),
    trials: trials / seeds.length,
    rows: rows / seeds.length,
    busy: busy / seeds.length,
    starting: starting / seeds.length,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** Runs every (task, seed) and averages as the protocol says: over seeds per task, then over tasks. */
export async function runLcbench(run: LcbenchRun) {
  methodFor(run.method); // fail fast on an unknown name
  const execution = run.execution ?? noStartCost;
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
    for (const task of loadLcbench(run.data, names)) report(scoreTask(task, run.method, run.workers, seeds, execution));
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
              workerData: { data: run.data, tasks: group, method: run.method, workers: run.workers, seeds, execution },
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
  const meanOf = (f: (s: TaskScore) => number) => names.reduce((sum, n) => sum + f(scores.get(n)!), 0) / names.length;
  const busy = meanOf((s) => s.busy);
  const starting = meanOf((s) => s.starting);
  run.log(
    `lcbench ${run.method}: mean ${mean.map((x) => x.toFixed(4)).join(' ')} summary ${(mean.reduce((a, b) => a + b, 0) / mean.length).toFixed(4)}  busy ${busy.toFixed(4)} (${execution.mode}, L ${execution.jobStartSeconds} s, P ${execution.processStartSeconds} s)  total ${((performance.now() - t0) / 1000).toFixed(1)}s`,
  );
  return {
    suite: 'lcbench',
    method: run.method,
    workers: run.workers,
    execution: execution.mode,
    job_start_seconds: execution.jobStartSeconds,
    process_start_seconds: execution.processStartSeconds,
    seeds: run.seeds,
    seed_start: run.seedStart,
    checkpoints: [...lcbenchCheckpoints],
    tasks,
    mean,
    summary: mean.reduce((a, b) => a + b, 0) / mean.length,
    /** Mean over tasks of the GPU busy fraction (training seconds in [0, T] over W x T), and of the time spent starting. */
    busy,
    starting,
  };
}
