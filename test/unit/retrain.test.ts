import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../shared/store/memory.js';
import { FaultyStore, InjectedFault } from '../../shared/store/faulty.js';
import { retrainAdvice } from '../../shared/study/retrain-advice.js';
import { retrainConfigs, sweepCombinations } from '../../shared/study/retrain.js';
import { planRetrain } from '../../shared/study/retrain-plan.js';
import { studySpecSchema } from '../../shared/study/spec.js';
import type { Measurement, Study, Trial } from '../../shared/study/types.js';
import type { StepContext } from '../../shared/study/workflow.js';
import { makeMeasurement, makeStudy, makeTrial, minimalSpecInput } from '../support/factories.js';

function studyWith(retrain: object, overrides: Partial<Study> = {}): Study {
  const spec = studySpecSchema.parse({ ...structuredClone(minimalSpecInput), retrain });
  return makeStudy({ spec, state: 'RUNNING', attempt: 1, ...overrides });
}

const complete = (number: number, value: number, params: Trial['params'] = { lr: number / 100 }) =>
  makeTrial({ number, state: 'COMPLETE', value, resource: 1, rungValues: [value], params });

describe('retrainConfigs', () => {
  it('takes the top-k distinct search trials, trained furthest first, each crossed with the sweep', () => {
    // Prepare: trial 2 repeats trial 0's params; trial 3 was pruned at a lower resource; trial 4
    // violated a constraint; trial 9 is itself a retraining trial.
    const study = studyWith({ topK: 3, max: 10, parameters: { epochs_note: 'full' }, sweep: { phi: [1, 2] } });
    const trials = [
      complete(0, 0.7, { lr: 0.1 }),
      complete(1, 0.5, { lr: 0.2 }),
      complete(2, 0.9, { lr: 0.1 }),
      makeTrial({ number: 3, state: 'PRUNED', value: 0.99, resource: 0.5, rungValues: [0.99], params: { lr: 0.4 } }),
      makeTrial({ number: 4, state: 'INFEASIBLE', value: 0.95, resource: 1, rungValues: [0.95], params: { lr: 0.5 }, feasible: false }),
      complete(9, 1.0, { lr: 0.3 }),
    ];
    trials[5].phase = 'retrain';

    // Act
    const configs = retrainConfigs(study, trials, new Map());

    // Assess
    expect(configs).toEqual([
      { params: { epochs_note: 'full', lr: 0.1, phi: 1 }, source: '2' },
      { params: { epochs_note: 'full', lr: 0.1, phi: 2 }, source: '2' },
      { params: { epochs_note: 'full', lr: 0.2, phi: 1 }, source: '1' },
      { params: { epochs_note: 'full', lr: 0.2, phi: 2 }, source: '1' },
      { params: { epochs_note: 'full', lr: 0.4, phi: 1 }, source: '3' },
      { params: { epochs_note: 'full', lr: 0.4, phi: 2 }, source: '3' },
    ]);
  });

  it('ranks reported candidates by their objective (minimizing here), candidates without it last', () => {
    // Prepare
    const study = studyWith({ from: 'candidates', topK: 3, max: 5 });
    study.spec.objective = { metric: 'acc', goal: 'minimize' };
    const last = new Map<string, Measurement | undefined>([
      [
        '0',
        makeMeasurement({
          trialId: '0',
          candidates: [
            { params: { arch: 'a' }, metrics: { acc: 0.3 } },
            { params: { arch: 'b' }, metrics: {} },
          ],
        }),
      ],
      [
        '1',
        makeMeasurement({
          trialId: '1',
          candidates: [
            { params: { arch: 'c' }, metrics: { acc: 0.1 } },
            { params: { arch: 'a' }, metrics: { acc: 0.2 } },
          ],
        }),
      ],
    ]);

    // Act
    const configs = retrainConfigs(study, [complete(0, 0.5), complete(1, 0.6)], last);

    // Assess: a (0.2 from trial 1) beats a (0.3 from trial 0); b has no acc.
    expect(configs.map((c) => [c.params.arch, c.source])).toEqual([
      ['c', '1'],
      ['a', '1'],
      ['b', '0'],
    ]);
  });

  it('crosses sweep values in the order written', () => {
    expect(sweepCombinations({ a: [1, 2], b: ['x', 'y'] })).toEqual([
      { a: 1, b: 'x' },
      { a: 1, b: 'y' },
      { a: 2, b: 'x' },
      { a: 2, b: 'y' },
    ]);
    expect(sweepCombinations({})).toEqual([{}]);
  });
});

describe('retrainAdvice', () => {
  const spec = (sampler: string, parameters: Record<string, { type: string }>, retrain?: object) => ({
    strategy: { sampler },
    parameters,
    retrain,
  });

  it('notes an architecture search (NAS sampler or architecture parameter) that does not retrain, and nothing else', () => {
    expect(retrainAdvice(spec('evolution', { lr: { type: 'float' } }))).toMatch(/^an architecture search without `retrain`/);
    expect(retrainAdvice(spec('tpe', { cell: { type: 'cell' } }))).toMatch(/^an architecture search without `retrain`/);
    expect(retrainAdvice(spec('tpe', { cell: { type: 'cell' } }, { max: 9 }))).toBeUndefined();
    expect(retrainAdvice(spec('tpe', { lr: { type: 'float' } }))).toBeUndefined();
  });
});

describe('the retrain spec', () => {
  const parse = (retrain: object, extra: object = {}) =>
    studySpecSchema.safeParse({ ...structuredClone(minimalSpecInput), ...extra, retrain });
  const issues = (r: ReturnType<typeof parse>) => (r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));

  it('fills defaults', () => {
    const r = parse({ max: 20 });
    expect(r.success && r.data.retrain).toEqual({ from: 'trials', topK: 1, max: 20, parameters: {}, sweep: {}, environment: {} });
  });

  it('names the field and the rule of each problem', () => {
    expect(issues(parse({ max: 0 }))).toEqual(['retrain.max: Too small: expected number to be >0']);
    expect(issues(parse({ max: 5, from: 'best' }))[0]).toMatch(/^retrain\.from: /);
    expect(issues(parse({ max: 5, sweep: { phi: [] } }))).toEqual(['retrain.sweep.phi: must list at least one value']);
    expect(issues(parse({ max: 5, environment: { RUNG_TEAM: 'x' } }))).toEqual([
      'retrain.environment: RUNG_* variables are reserved for the job contract',
    ]);
    expect(issues(parse({ max: 5, topK: 30, sweep: { phi: [1, 2, 3, 4] } }))).toEqual([
      'retrain.topK: topK times the sweep combinations must be at most 100 retraining trials',
    ]);
    expect(issues(parse({ max: 5 }, { strategy: { execution: 'external' } }))).toEqual([
      'retrain: an external study has no workflow to retrain in; remove retrain or use execution: workflow',
    ]);
  });
});

describe('planRetrain', () => {
  async function seeded(store: MemoryStore, study: Study) {
    await store.createStudy(study);
    for (const t of [complete(0, 0.4), complete(1, 0.8), complete(2, 0.6)]) await store.createTrial(t);
  }
  const ctxOf = (store: StepContext['store']): StepContext => {
    let clock = Date.parse('2026-01-01T00:00:00Z');
    return { store, now: () => new Date((clock += 1000)), artifactBaseUri: 's3://bucket', randomBytes };
  };
  const ref = { team: 'team-a', studyId: 'study-1', phase: 'retrain' as const };

  it('creates the retraining trials after every search number, writes the plan once, and moves best to the retraining', async () => {
    // Prepare
    const store = new MemoryStore();
    await seeded(store, studyWith({ topK: 2, max: 9 }, { best: { trialId: '1', value: 0.8, resource: 1, params: { lr: 0.01 } } }));

    // Act
    const first = await planRetrain(ctxOf(store), ref);
    const again = await planRetrain(ctxOf(store), ref);

    // Assess
    expect(first.brackets).toEqual([{ team: 'team-a', studyId: 'study-1', bracket: 100_000, name: 'study-1-1-retrain' }]);
    expect(again).toEqual(first);
    const trials = (await store.listTrials('team-a', 'study-1')).items.filter((t) => t.phase === 'retrain');
    // maxTrials is 4: the retraining starts at 4 even though the search used 0..2.
    expect(trials.map((t) => [t.trialId, t.source, t.state, t.resource])).toEqual([
      ['4', '1', 'WAITING', 0],
      ['5', '2', 'WAITING', 0],
    ]);
    const study = (await store.getStudy('team-a', 'study-1'))!;
    expect(study.retrain).toEqual({
      firstTrial: 4,
      trials: 2,
      searchBest: { trialId: '1', value: 0.8, resource: 1, params: { lr: 0.01 } },
    });
    expect(study.best).toBeUndefined();
  });

  it('plans nothing for a study that is stopping or has no retrain block', async () => {
    for (const study of [studyWith({ max: 9 }, { state: 'STOPPING' }), makeStudy({ state: 'RUNNING' })]) {
      // Prepare
      const store = new MemoryStore();
      await seeded(store, study);
      // Act
      const plan = await planRetrain(ctxOf(store), ref);
      // Assess
      expect(plan.brackets).toEqual([]);
      expect((await store.listTrials('team-a', 'study-1')).items).toHaveLength(3);
    }
  });

  it('survives a fault before or after any of its writes: the retry ends with the same trials and one plan', async () => {
    // Prepare: a clean run to learn the writes.
    const clean = new FaultyStore(new MemoryStore());
    await seeded(clean.inner as MemoryStore, studyWith({ topK: 2, max: 9 }));
    await planRetrain(ctxOf(clean), ref);
    const expected = (await clean.listTrials('team-a', 'study-1')).items;
    expect(clean.writes.map((w) => w.point)).toEqual(['createTrial@planRetrain', 'createTrial@planRetrain', 'updateStudy@planRetrain']);

    for (let at = 1; at <= clean.writes.length; at++) {
      for (const when of ['before', 'after'] as const) {
        // Prepare
        const store = new FaultyStore(new MemoryStore(), { at, when });
        await seeded(store.inner as MemoryStore, studyWith({ topK: 2, max: 9 }));
        // Act: the fault, then the retry Step Functions would make.
        await expect(planRetrain(ctxOf(store), ref)).rejects.toBeInstanceOf(InjectedFault);
        const retried = await planRetrain(ctxOf(store), ref);
        // Assess
        expect(retried.brackets).toHaveLength(1);
        const trials = (await store.listTrials('team-a', 'study-1')).items;
        expect(trials.map((t) => [t.trialId, t.params, t.source])).toEqual(expected.map((t) => [t.trialId, t.params, t.source]));
        expect((await store.getStudy('team-a', 'study-1'))!.retrain).toMatchObject({ firstTrial: 4, trials: 2 });
      }
    }
  });
});
