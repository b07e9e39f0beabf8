import { Worker } from 'node:worker_threads';
import { evalCheckpoints, replayBlackBox, type BlackBoxTask } from '../shared/nas/blackbox.js';
import { loadNasgraph, loadNb201 } from '../shared/nas/tables.js';
import { nasMethodFor } from './nas-methods.js';

export type NasSuite = 'nb201' | 'nasgraph-latency';
export const nasSuites: NasSuite[] = ['nb201', 'nasgraph-latency'];

export interface NasRun {
  suite: NasSuite;
  data: string;
  tasks?: string[];
  method: string;
  seeds: number;
  seedStart: number;
  jobs: number;
  log: (msg: string) => void;
}

export interface NasTaskScore {
  task: string;
  regrets: number[];
  distinct: number;
  feasible: number;
  seconds: number;
}

export function loadNasTasks(suite: NasSuite, data: string, names?: string[]): BlackBoxTask[] {
  const all = suite === 'nb201' ? loadNb201(data) : loadNasgraph(data);
  return names ? all.filter((t) => names.includes(t.name)) : all;
}

/** Mean regret per checkpoint over the seeds of one task (the protocol's first average). */
export function scoreNasTask(task: BlackBoxTask, method: string, seeds: number[]): NasTaskScore {
  const sampler = nasMethodFor(method).sampler;
  const t0 = performance.now();
  const sums = evalCheckpoints.map(() => 0);
  let distinct = 0;
  let feasible = 0;
  for (const seed of seeds) {
    const r = replayBlackBox(task, sampler, seed);
    r.regrets.forEach((x, i) => (sums[i] += x));
    distinct += r.distinct;
    feasible += r.feasible;
  }
  return {
    task: task.name,
    regrets: sums.map((s) => s / seeds.length),
    distinct: distinct / seeds.length,
    feasible: feasible / seeds.length,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** Every (task, seed) of an evaluation-count suite; averages over seeds per task, then over tasks. */
export async function runNas(run: NasRun) {
  nasMethodFor(run.method); // fail fast on an unknown name
  const seeds = Array.from({ length: run.seeds }, (_, i) => run.seedStart + i);
  const t0 = performance.now();
  const names = loadNasTasks(run.suite, run.data, run.tasks).map((t) => t.name);
  if (run.tasks) for (const t of run.tasks) if (!names.includes(t)) throw new Error(`task ${t} is not in ${run.data}`);
  const jobs = Math.min(run.jobs, names.length);
  const scores = new Map<string, NasTaskScore>();
  const report = (s: NasTaskScore) => {
    scores.set(s.task, s);
    run.log(
      `${run.suite} ${run.method} task ${s.task}: ${s.regrets.map((x) => x.toFixed(4)).join(' ')}  (${s.distinct.toFixed(1)} distinct, ${s.feasible.toFixed(1)} feasible of 100; ${s.seconds.toFixed(1)}s)`,
    );
  };
  if (jobs <= 1) {
    for (const task of loadNasTasks(run.suite, run.data, names)) report(scoreNasTask(task, run.method, seeds));
  } else {
    // Threads take tasks from a shared queue: the nasgraph tasks differ in cost.
    const queue = [...names];
    await Promise.all(
      Array.from(
        { length: jobs },
        () =>
          new Promise<void>((resolve, reject) => {
            const entry = new URL('./nas-worker.ts', import.meta.url).href;
            const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
            const worker = new Worker(boot, { eval: true, workerData: { suite: run.suite, data: run.data, method: run.method, seeds } });
            const feed = () => worker.postMessage(queue.shift() ?? null);
            worker.on('message', (m: NasTaskScore | 'ready') => {
              if (m !== 'ready') report(m);
              feed();
            });
            worker.on('error', reject);
            worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker exited with ${code}`))));
          }),
      ),
    );
  }
  const tasks: Record<string, number[]> = {};
  for (const n of names) tasks[n] = scores.get(n)!.regrets; // file order
  const rows = Object.values(tasks);
  const mean = evalCheckpoints.map((_, i) => rows.reduce((s, r) => s + r[i], 0) / rows.length);
  const summary = mean.reduce((a, b) => a + b, 0) / mean.length;
  run.log(
    `${run.suite} ${run.method}: mean ${mean.map((x) => x.toFixed(4)).join(' ')} summary ${summary.toFixed(4)}  total ${((performance.now() - t0) / 1000).toFixed(1)}s`,
  );
  return {
    suite: run.suite,
    method: run.method,
    workers: 1,
    seeds: run.seeds,
    seed_start: run.seedStart,
    checkpoints: [...evalCheckpoints],
    tasks,
    mean,
    summary,
  };
}
