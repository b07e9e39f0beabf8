import { Command } from 'commander';
import { createLocalDynamoClient, ensureTable, startDynalite } from '../runtime/dynalite.js';
import { createRng, deriveSeed } from '../shared/rng.js';
import type { Observation, Sampler } from '../shared/samplers/sampler.js';
import { lcbenchParameters } from '../shared/sim/lcbench.js';
import { DynamoStore } from '../shared/store/dynamo.js';
import { readAll } from '../shared/store/port.js';
import type { Params } from '../shared/space/schema.js';
import { SearchSpace } from '../shared/space/space.js';
import { parseStudySpec } from '../shared/study/spec.js';
import type { Study, Trial } from '../shared/study/types.js';
import { methodFor } from './methods.js';

/**
 * Suggestion latency of the default multi-fidelity sampler in the lcbench space after n completed
 * trials (Optuna's harness measures TPE's ask + 7 suggests the same way, after n COMPLETE trials).
 *   compute: the sampler alone, trials already in memory;
 *   end to end: what the Suggest Lambda does on each call: read every trial of the study from the
 *   store (dynalite on loopback), rebuild the observations, suggest, write the new trial.
 * Nothing is kept between calls except what the sampler's optional cache holds (TPE keeps
 * nothing; the GP keeps its last fitted hyperparameters).
 */
const opts = new Command()
  .option('--n <n>', 'completed trials in the study', (v) => parseInt(v, 10), 300)
  .option('--repeats <n>', 'timed suggestions', (v) => parseInt(v, 10), 100)
  .option('--method <name>', 'benchmark method whose sampler is timed', 'default')
  .parse()
  .opts<{ n: number; repeats: number; method: string }>();

const space = new SearchSpace(lcbenchParameters);
const sampler: Sampler = methodFor(opts.method).sampler;
const rng = createRng(opts.n);
const history: Observation[] = Array.from({ length: opts.n }, () => ({ params: space.sample(rng), score: 100 * rng.next(), resource: 52 }));
const warmup = 5;

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (pos - lo);
};

// Compute part: observations in memory.
const cache = new Map<string, unknown>();
const compute: number[] = [];
for (let i = 0; i < warmup + opts.repeats; i++) {
  const t0 = performance.now();
  sampler.suggest({
    space,
    observations: history,
    pending: [],
    maxResource: 52,
    index: opts.n + i,
    rng: createRng(deriveSeed(1, i)),
    seed: 1,
    cache,
  });
  if (i >= warmup) compute.push(performance.now() - t0);
}

// End to end against the embedded DynamoDB.
const dynamo = await startDynalite();
const client = createLocalDynamoClient(dynamo.endpoint);
await ensureTable(client, 'latency');
const store = new DynamoStore({ client, tableName: 'latency' });
const now = new Date().toISOString();
const spec = parseStudySpec({
  name: 'latency',
  objective: { metric: 'val_accuracy', goal: 'maximize' },
  parameters: lcbenchParameters,
  strategy: { sampler: 'tpe', scheduler: { type: 'hyperband', resource: 'epoch', min: 3, max: 52, eta: 3 } },
  limits: { maxTrials: 10_000, parallelism: 4 },
  trial: { command: ['python', 'train.py'] },
});
const study: Study = {
  team: 'bench',
  studyId: 'latency',
  name: 'latency',
  spec,
  state: 'RUNNING',
  seed: 1,
  attempt: 1,
  createdAt: now,
  updatedAt: now,
  version: 0,
};
await store.createStudy(study);
const trialOf = (number: number, params: Params, state: Trial['state'], value?: number): Trial => ({
  team: 'bench',
  studyId: 'latency',
  trialId: String(number),
  number,
  bracket: 0,
  rung: 0,
  params,
  state,
  resource: value === undefined ? 0 : 52,
  rungValues: value === undefined ? [] : [value],
  value,
  createdAt: now,
  updatedAt: now,
  version: 0,
});
for (let i = 0; i < history.length; i += 25) {
  await Promise.all(history.slice(i, i + 25).map((h, j) => store.createTrial(trialOf(i + j, h.params, 'COMPLETE', h.score))));
}

const e2e: number[] = [];
const e2eCache = new Map<string, unknown>();
for (let i = 0; i < warmup + opts.repeats; i++) {
  const t0 = performance.now();
  const trials = await readAll((page) => store.listTrials('bench', 'latency', page));
  const observations: Observation[] = [];
  const pending: Params[] = [];
  for (const t of trials) {
    if (t.state === 'COMPLETE' && t.value !== undefined) observations.push({ params: t.params, score: t.value, resource: t.resource });
    else if (t.state === 'RUNNING' || t.state === 'WAITING') pending.push(t.params);
  }
  const params = sampler.suggest({
    space,
    observations,
    pending,
    maxResource: 52,
    index: trials.length,
    rng: createRng(deriveSeed(1, trials.length)),
    seed: 1,
    cache: e2eCache,
  });
  // The new trial is written and then failed, so that the set of COMPLETE trials stays at n
  // (as Optuna's harness tells FAIL) and pending does not grow with the repeats.
  const created = await store.createTrial(trialOf(trials.length, params, 'WAITING'));
  if (i >= warmup) e2e.push(performance.now() - t0);
  await store.updateTrial({ ...created.trial, state: 'FAILED' });
}
await dynamo.close();
client.destroy();

console.log(
  JSON.stringify({
    n: opts.n,
    median_ms: +quantile(e2e, 0.5).toFixed(2),
    p95_ms: +quantile(e2e, 0.95).toFixed(2),
    compute_median_ms: +quantile(compute, 0.5).toFixed(2),
    compute_p95_ms: +quantile(compute, 0.95).toFixed(2),
    sampler: opts.method,
    repeats: opts.repeats,
  }),
);
