import { describe, expect, it } from 'vitest';
import { reference, sweep, type StudyRun } from './support/sweep.js';
import { studySpec, World } from './support/world.js';

/**
 * Fault injection at every write of a study with a retraining phase (spec.retrain): the search,
 * PlanRetrain and the retraining bracket, steps retried or the execution failed and resumed.
 */
const retrainRun: StudyRun = {
  world: (store, mode) => new World({ store, onStepError: mode }),
  create: (world) =>
    world.createStudy(
      studySpec({
        strategy: { sampler: 'random', scheduler: { type: 'successive_halving', min: 1, max: 9, eta: 3 }, seed: 23 },
        limits: { maxTrials: 6, parallelism: 2, maxFailedTrials: 10, maxCostUsd: 500 },
        retrain: { topK: 2, max: 9, sweep: { act: ['relu', 'gelu'] } },
      }),
    ),
  label: 'retraining study',
};

describe('fault injection at every write point of a study that retrains its top-k', () => {
  it('the reference study retrains two candidates at two values each and answers with a retrained trial', async () => {
    // Act
    const ref = await reference(retrainRun);
    // Assess
    const trials = (await ref.store.listTrials('team-a', ref.studyId)).items;
    const retrained = trials.filter((t) => t.phase === 'retrain');
    // The finalist of successive halving and the best of the rung below it, each with act relu and gelu.
    const search = trials.filter((t) => t.phase !== 'retrain');
    const finalist = search.find((t) => t.state === 'COMPLETE')!;
    expect(retrained.map((t) => [t.state, t.resource, t.params.act])).toEqual([
      ['COMPLETE', 9, 'relu'],
      ['COMPLETE', 9, 'gelu'],
      ['COMPLETE', 9, 'relu'],
      ['COMPLETE', 9, 'gelu'],
    ]);
    expect(retrained.map((t) => t.source)).toEqual([finalist.trialId, finalist.trialId, expect.any(String), expect.any(String)]);
    expect(retrained[2].source).not.toBe(finalist.trialId);
    const study = (await ref.store.getStudy('team-a', ref.studyId))!;
    expect(retrained.map((t) => t.trialId)).toContain(study.best!.trialId);
    expect(ref.store.writes.map((w) => w.point)).toEqual(expect.arrayContaining(['createTrial@planRetrain', 'updateStudy@planRetrain']));
  });

  for (const mode of ['retry', 'resume'] as const) {
    it(`a fault before or after any write (${mode === 'retry' ? 'steps retried' : 'execution resumed'}) leaves the study as if nothing happened`, async () => {
      // Act
      const result = await sweep(mode, retrainRun);
      // Assess
      expect(result.found).toEqual([]);
      expect([...result.hit].sort()).toEqual([...result.pointsInRun].sort());
      expect([...result.hit]).toContain('createTrial@planRetrain');
    });
  }
});
