import { Command } from 'commander';
import { createRng, deriveSeed } from '../shared/rng.js';
import { reinforceSampler } from '../shared/samplers/reinforce.js';
import type { Observation } from '../shared/samplers/sampler.js';
import { lcbenchParameters } from '../shared/sim/lcbench.js';
import { SearchSpace } from '../shared/space/space.js';
import { MemoryStore } from '../shared/store/memory.js';
import { studySampler } from '../shared/study/observed.js';
import type { Study } from '../shared/study/types.js';

/**
 * Suggestion latency of the REINFORCE controller (`rl`) with its state stored between calls vs a
 * full replay, after n observations (`npx tsx bench/rl-state-latency.ts --n 300`):
 *   replay: `suggest` alone, replaying every update from uniform logits (what each call did before);
 *   stored: what a Suggest call does with the state in the store: read and decode it, check the
 *   consumed prefix (a hash over it), apply the one new observation, suggest, encode and write it.
 * Both in the nb201 space (six decisions of five operations) and in the lcbench space (numeric
 * parameters, ten bins each). Store reads and writes are in memory: the trials' read, the same for
 * both, is left out.
 */
const opts = new Command()
  .option('--n <n>', 'observations in the history', (v) => parseInt(v, 10), 300)
  .option('--repeats <n>', 'timed suggestions', (v) => parseInt(v, 10), 100)
  .parse()
  .opts<{ n: number; repeats: number }>();

const ops = ['avg_pool_3x3', 'nor_conv_1x1', 'nor_conv_3x3', 'none', 'skip_connect'];
const spaces: Record<string, SearchSpace> = {
  nb201: new SearchSpace(Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`e${i}`, { type: 'categorical', values: ops }])) as never),
  lcbench: new SearchSpace(lcbenchParameters),
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)];
const warmup = 5;
const sampler = reinforceSampler();
const rows = [];
for (const [name, space] of Object.entries(spaces)) {
  const rng = createRng(opts.n);
  const history: Observation[] = Array.from({ length: opts.n + warmup + opts.repeats }, () => ({
    params: space.sample(rng),
    score: 100 * rng.next(),
    resource: 1,
  }));
  const request = (k: number) => ({
    space,
    observations: history.slice(0, k),
    pending: [],
    maxResource: 1,
    index: k,
    rng: createRng(deriveSeed(1, k)),
    seed: 1,
  });

  const replay: number[] = [];
  for (let i = 0; i < warmup + opts.repeats; i++) {
    const t0 = performance.now();
    sampler.suggest(request(opts.n + i));
    if (i >= warmup) replay.push(performance.now() - t0);
  }

  // The state of the first n observations in the store; each call then sees one more observation.
  const store = new MemoryStore();
  // studySampler reads the study's keys and seed only.
  const study = { team: 'bench', studyId: `rl-${name}`, seed: 1 } as Study;
  const ctx = { store, now: () => new Date() };
  const first = studySampler(ctx, study, sampler, space, history.slice(0, opts.n));
  await first.suggest({ pending: [], maxResource: 1, index: opts.n, rng: createRng(1) });
  await first.save();
  const stored: number[] = [];
  for (let i = 0; i < warmup + opts.repeats; i++) {
    const k = opts.n + i + 1;
    const t0 = performance.now();
    const s = studySampler(ctx, study, sampler, space, history.slice(0, k));
    const params = await s.suggest({ pending: [], maxResource: 1, index: k, rng: createRng(deriveSeed(1, k)) });
    await s.save();
    if (i >= warmup) stored.push(performance.now() - t0);
    // Same suggestion as the replay (a check, outside the timing).
    if (i === 0 && JSON.stringify(params) !== JSON.stringify(sampler.suggest(request(k))))
      throw new Error('the stored state suggested something else');
  }
  const bytes = (await store.getSamplerState(study.team, study.studyId))!.state.length;
  rows.push({
    space: name,
    n: opts.n,
    replay_median_ms: +median(replay).toFixed(3),
    replay_p95_ms: +p95(replay).toFixed(3),
    stored_median_ms: +median(stored).toFixed(3),
    stored_p95_ms: +p95(stored).toFixed(3),
    state_bytes: bytes,
  });
}
for (const r of rows) console.log(JSON.stringify(r));
