import { parentPort, workerData } from 'node:worker_threads';
import type { BlackBoxTask } from '../shared/nas/blackbox.js';
import { loadNasTasks, scoreNasTask, type NasSuite } from './nas-suite.js';

/** One thread of the NAS benchmark: loads the table once, then scores the tasks it is handed. */
const { suite, data, method, seeds } = workerData as { suite: NasSuite; data: string; method: string; seeds: number[] };
const tasks = new Map<string, BlackBoxTask>(loadNasTasks(suite, data).map((t) => [t.name, t]));
parentPort!.on('message', (name: string | null) => {
  if (name === null) {
    parentPort!.close();
    return;
  }
  parentPort!.postMessage(scoreNasTask(tasks.get(name)!, method, seeds));
});
parentPort!.postMessage('ready');
