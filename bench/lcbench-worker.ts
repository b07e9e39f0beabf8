import { parentPort, workerData } from 'node:worker_threads';
import { loadLcbench } from '../shared/sim/lcbench.js';
import type { Execution } from '../shared/sim/simulator.js';
import { scoreTask } from './lcbench-suite.js';

/** One thread of the benchmark: loads only its tasks and posts one score per task. */
const { data, tasks, method, workers, seeds, execution } = workerData as {
  data: string;
  tasks: string[];
  method: string;
  workers: number;
  seeds: number[];
  execution: Execution;
};
for (const task of loadLcbench(data, tasks)) parentPort!.postMessage(scoreTask(task, method, workers, seeds, execution));
