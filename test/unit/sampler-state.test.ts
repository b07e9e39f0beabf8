import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RetryableConflictError } from '../../shared/errors.js';
import { reinforceSampler } from '../../shared/samplers/reinforce.js';
import { randomSampler } from '../../shared/samplers/random.js';
import { SearchSpace } from '../../shared/space/space.js';
import { MemoryStore } from '../../shared/store/memory.js';
import { readAll, type SamplerStateRecord, type StudyStore } from '../../shared/store/port.js';
import { completeTrial, suggestTrial } from '../../shared/study/ask-tell.js';
import { observationsFor, studySampler, type RungResult } from '../../shared/study/observed.js';
import { createStudy, reportMeasurement } from '../../shared/study/service.js';
import type { Study } from '../../shared/study/types.js';
import { observe, plan, promote, startTrial, suggest, type RungPlan, type StepContext } from '../../shared/study/workflow.js';
import { makeStudy, makeTrial } from '../support/factories.js';

/** The REINFORCE controller's state in the store, on the study paths: Suggest, ask/tell. */

const team = 'team-a';
const rlSpec = (overrides: Record<string, unknown> = {}) => ({
  name: 'rl',
  objective: { metric: 'acc', goal: 'maximize' },
  parameters: {
    op: { type: 'categorical', values: ['none', 'skip', 'conv1', 'conv3'] },
    act: { type: 'categorical', values: ['relu', 'gelu', 'silu'] },
    x: { type: 'float', min: 0, max: 1 },
  },
  strategy: { sampler: 'rl', scheduler: { type: 'hyperband', min: 1, max: 9, eta: 3 }, seed: 11 },
  limits: { maxTrials: 20, parallelism: 2 },
  trial: { command: ['train'] },
  ...overrides,
});

const score = (p: Record<string, unknown>, step: number) =>
  (p.x as number) * (step / 9) + (p.op === 'conv3' ? 0.3 : 0) + (p.act === 'gelu' ? 0.1 : 0);

/** A store whose sampler-state calls `tamper` changes (reads and writes of everything else pass through). */
function tampered(
  inner: StudyStore,
  tamper: {
    get?: (r: SamplerStateRecord | undefined) => SamplerStateRecord | undefined;
    put?: (next: SamplerStateRecord) => Promise<SamplerStateRecord>;
  },
): StudyStore {
  return new Proxy(inner, {
    get(target, property, receiver) {
      if (property === 'getSamplerState' && tamper.get)
        return async (t: string, s: string) => tamper.get!(await inner.getSamplerState(t, s));
      if (property === 'putSamplerState' && tamper.put) return tamper.put;
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** A whole rl study through the workflow steps, as BracketMachine runs them; every trial's params in number order. */
async function runStudy(wrap: (inner: MemoryStore) => StudyStore = (s) => s) {
  const inner = new MemoryStore();
  const store = wrap(inner);
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const now = () => new Date((clock += 1000));
  const ctx: StepContext = { store, now, artifactBaseUri: 's3://bucket', randomBytes };
  const study = await createStudy({ store, now, random: () => 0.5 }, team, rlSpec(), undefined);
  const versions: number[] = [];
  const planned = await plan(ctx, study);
  for (const b of planned.brackets) {
    let rung: RungPlan = await suggest(ctx, b);
    versions.push((await inner.getSamplerState(team, study.studyId))?.version ?? 0);
    while (!rung.done) {
      for (const slot of rung.trials) {
        const started = await startTrial(ctx, slot);
        if (!started.run) continue;
        const env = started.job!.env;
        const params = JSON.parse(env.RUNG_PARAMS);
        for (let step = Number(env.RUNG_RESOURCE_FROM) + 1; step <= Number(env.RUNG_RESOURCE_TO); step++)
          await reportMeasurement({ store, now, random: () => 0.5 }, team, study.studyId, slot.trialId, {
            step,
            metrics: { acc: score(params, step) },
          });
        await observe(ctx, { ...slot, run: true });
      }
      rung = await promote(ctx, rung);
    }
  }
  const trials = await readAll((p) => inner.listTrials(team, study.studyId, p));
  return { params: trials.map((t) => t.params), versions, stored: await inner.getSamplerState(team, study.studyId), study };
}

describe('REINFORCE state on the Suggest path', () => {
  it('stores the controller after each Suggest and advances it, with the suggestions of a full replay', async () => {
    // Prepare: the same study where every call finds no state and none can be stored.
    const replayed = await runStudy((inner) =>
      tampered(inner, {
        get: () => undefined,
        put: async () => {
          throw new RetryableConflictError('lost');
        },
      }),
    );
    // Act
    const stored = await runStudy();
    // Assess: one write per bracket (bracket 0 sees no results yet, and writes the empty state).
    expect(stored.params).toEqual(replayed.params);
    expect(stored.versions).toEqual(stored.versions.map((_, i) => i + 1));
    expect(stored.versions.length).toBeGreaterThan(2);
    const state = JSON.parse(stored.stored!.state);
    expect(stored.stored!.sampler).toBe('rl');
    expect(state.consumed).toBeGreaterThan(0);
    expect(state.updates).toBeGreaterThan(0);
  });

  it.each([
    ['garbled', (r: SamplerStateRecord | undefined) => (r ? { ...r, state: '{"format":' } : r)],
    ['of another sampler', (r: SamplerStateRecord | undefined) => (r ? { ...r, sampler: 'evolution' } : r)],
    [
      'consumed more than the study has',
      (r: SamplerStateRecord | undefined) => (r ? { ...r, state: r.state.replace(/"consumed":\d+/, '"consumed":9999') } : r),
    ],
  ])('suggests as a full replay does when the stored state is %s, and writes a fresh one', async (_, get) => {
    // Prepare
    const reference = await runStudy();
    // Act
    const run = await runStudy((inner) => tampered(inner, { get }));
    // Assess
    expect(run.params).toEqual(reference.params);
    expect(run.stored?.version).toBeGreaterThan(1);
  });

  it('keeps the suggestions when a Suggest loses the race for the state to a writer that stored the same state', async () => {
    // Prepare: a rival stores the state this Suggest computed between its read and its write.
    const reference = await runStudy();
    let rivalled = 0;
    // Act
    const run = await runStudy((inner) =>
      tampered(inner, {
        put: async (next) => {
          const stored = await inner.getSamplerState(next.team, next.studyId);
          if (rivalled++ === 1 && stored) {
            const ahead = JSON.parse(next.state);
            await inner.putSamplerState({ ...next, state: JSON.stringify({ ...ahead }), version: stored.version });
          }
          return inner.putSamplerState(next);
        },
      }),
    );
    // Assess: the lost write was re-read and found done.
    expect(run.params).toEqual(reference.params);
    expect(rivalled).toBeGreaterThan(2);
  });
});

describe('the order a stateful sampler sees results in', () => {
  it('is the order the results were observed, not the trial numbers, for rl; trial order for others', () => {
    // Prepare: trial 0's rung 1 ended after trial 1's rung 0; trial 2 (ask/tell) has no jobs.
    const study = makeStudy();
    const t0 = makeTrial({
      number: 0,
      params: { lr: 0.01 },
      jobs: [
        { rung: 0, startedAt: 'x', endedAt: '2026-01-01T00:00:01Z' },
        { rung: 1, startedAt: 'x', endedAt: '2026-01-01T00:00:09Z' },
      ],
    });
    const t1 = makeTrial({ number: 1, params: { lr: 0.02 }, jobs: [{ rung: 0, startedAt: 'x', endedAt: '2026-01-01T00:00:05Z' }] });
    const t2 = makeTrial({ number: 2, params: { lr: 0.03 }, endedAt: '2026-01-01T00:00:03Z' });
    const results: RungResult[] = [
      { trial: t0, rung: 0, observation: { params: t0.params, score: 0, resource: 1 } },
      { trial: t0, rung: 1, observation: { params: t0.params, score: 1, resource: 3 } },
      { trial: t1, rung: 0, observation: { params: t1.params, score: 2, resource: 1 } },
      { trial: t2, rung: 0, observation: { params: t2.params, score: 3, resource: 1 } },
    ];
    // Act
    const rl = observationsFor(reinforceSampler(), results).map((o) => o.score);
    const random = observationsFor(randomSampler, results).map((o) => o.score);
    // Assess
    expect(rl).toEqual([0, 3, 2, 1]);
    expect(random).toEqual([0, 1, 2, 3]);
    expect(study.spec.parameters.lr).toBeDefined();
  });

  it('stores no state too large for one item, and still suggests', async () => {
    // Prepare: 40 decisions of 500 choices each: about 20,000 logits, over the item limit.
    const parameters = Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [`d${i}`, { type: 'categorical', values: Array.from({ length: 500 }, (_, v) => `v${v}`) }]),
    );
    const store = new MemoryStore();
    const ctx = { store, now: () => new Date('2026-01-01T00:00:00Z') };
    const study: Study = makeStudy({ spec: { ...makeStudy().spec, parameters } as Study['spec'] });
    const space = new SearchSpace(parameters as never);
    const observations = Array.from({ length: 30 }, (_, i) => ({
      params: space.sample({ next: () => ((i * 37 + 11) % 97) / 97, int: (lo: number) => lo }),
      score: i % 7,
      resource: 1,
    }));
    const suggester = studySampler(ctx, study, reinforceSampler(), space, observations);
    // Act
    const params = await suggester.suggest({ pending: [], maxResource: 1, index: 30, rng: { next: () => 0.3, int: (lo: number) => lo } });
    await suggester.save();
    // Assess
    expect(Object.keys(params)).toHaveLength(40);
    expect(await store.getSamplerState(study.team, study.studyId)).toBeUndefined();
  });
});

describe('REINFORCE state on the ask/tell path', () => {
  it('stores the controller on each suggest and advances it over the completed trials', async () => {
    // Prepare
    const store = new MemoryStore();
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const ctx = { store, now: () => new Date((clock += 1000)), random: () => 0.5 };
    const spec = rlSpec({
      strategy: { sampler: 'rl', execution: 'external', scheduler: { type: 'fifo', max: 1 }, seed: 2 },
      limits: { maxTrials: 6 },
    });
    const study = await createStudy(ctx, team, spec, undefined);
    const consumed: number[] = [];
    // Act
    for (let i = 0; i < 5; i++) {
      const { trial } = await suggestTrial(ctx, team, study.studyId, { clientId: 'w' });
      consumed.push(JSON.parse((await store.getSamplerState(team, study.studyId))!.state).consumed);
      await completeTrial(ctx, team, study.studyId, trial!.trialId, { metrics: { acc: score(trial!.params, 9) } });
    }
    // Assess
    expect(consumed).toEqual([0, 1, 2, 3, 4]);
    expect((await store.getSamplerState(team, study.studyId))?.version).toBe(5);
  });
});
