import { describe, expect, it } from 'vitest';
import { useEmbedded } from '../support/embedded.js';

/**
 * The retraining phase (`retrain` in the spec) through the synthesized StudyMachine on the embedded
 * runtime: PlanRetrain after the search, the retraining bracket as a child BracketMachine
 * execution, real job processes (test/fixtures/jobs/toy-nas.ts) that refuse to resume.
 */
const toyNas = ['node', '--import', 'tsx', 'test/fixtures/jobs/toy-nas.ts'];
const quality = (arch: string) =>
  arch.split('-').reduce((q, op) => q + ({ conv3: 0.2, conv5: 0.15, max3: 0.05, skip: 0 } as Record<string, number>)[op], 0.1);
const embedded = useEmbedded('rung-retrain-');

/** Runs the study to its end and splits its trials into the search and the retraining phase. */
async function runStudy(spec: object) {
  const { study, trials } = await embedded.runStudy(spec);
  return { study, search: trials.filter((t) => t.phase !== 'retrain'), retrain: trials.filter((t) => t.phase === 'retrain') };
}

describe('the retraining phase of a study', () => {
  it('retrains the top-k candidates the search jobs reported, from scratch, and answers with the best retrained trial', async () => {
    // Prepare: three one-shot-like searches, each reporting three scored candidates at its end.
    const spec = {
      name: 'it-retrain-candidates',
      objective: { metric: 'val_accuracy', goal: 'maximize' },
      parameters: { x: { type: 'ordinal', values: [0.3, 0.6, 0.9] } },
      strategy: { sampler: 'grid', scheduler: { type: 'fifo', resource: 'epoch', max: 2 }, seed: 4 },
      limits: { maxTrials: 3, parallelism: 2 },
      trial: { command: [...toyNas, 'search'], gpus: 0 },
      retrain: { from: 'candidates', topK: 2, max: 3, command: [...toyNas, 'retrain'], parameters: { lr: 0.05 } },
    };

    // Act
    const { study, search, retrain } = await runStudy(spec);

    // Assess: the search ran as usual.
    expect(study.state).toBe('COMPLETED');
    expect(search.map((t) => t.state)).toEqual(['COMPLETE', 'COMPLETE', 'COMPLETE']);
    // The two best distinct candidates by their reported (shared-weight) score, best first.
    const reported = (
      await Promise.all(
        search.map(async (t) => (await embedded.runtime.store.listMeasurements('local', study.studyId, t.trialId)).at(-1)!.candidates!),
      )
    ).flat();
    const byScore = [...new Map(reported.map((c) => [c.params.arch, c.metrics.val_accuracy])).entries()].sort((a, b) => b[1] - a[1]);
    expect(retrain.map((t) => t.params)).toEqual(byScore.slice(0, 2).map(([arch]) => ({ lr: 0.05, arch })));
    // Numbered after the search, trained from scratch to retrain.max with the retraining program.
    expect(retrain.map((t) => t.number)).toEqual([3, 4]);
    for (const t of retrain) {
      expect(t).toMatchObject({ state: 'COMPLETE', resource: 3, bracket: 100_000 });
      expect(search.map((s) => s.trialId)).toContain(t.source);
      const steps = await embedded.runtime.store.listMeasurements('local', study.studyId, t.trialId);
      expect(steps.map((m) => m.step)).toEqual([1, 2, 3]);
      expect(steps[2].metrics.val_accuracy).toBeCloseTo(quality(String(t.params.arch)), 12);
      expect(embedded.trialLog(study.studyId, t).join('\n')).toContain(`retrain ${t.params.arch} from scratch, epochs 1..3, lr 0.05`);
    }
    // The answer is the best retrained trial; the search's best is kept beside it.
    const winner = [...retrain].sort((a, b) => b.value! - a.value!)[0];
    expect(study.best).toMatchObject({ trialId: winner.trialId, value: winner.value, resource: 3 });
    const searchWinner = [...search].sort((a, b) => b.value! - a.value!)[0];
    expect(study.retrain).toMatchObject({ firstTrial: 3, trials: 2, searchBest: { trialId: searchWinner.trialId } });
  });

  it('retrains the best search trial once per value of the sweep (compound scaling: phi = 1, 2)', async () => {
    // Prepare: ASHA over (x, arch) (the LaneMachine path); the finalist is retrained at two scales.
    const spec = {
      name: 'it-retrain-sweep',
      objective: { metric: 'val_accuracy', goal: 'maximize' },
      parameters: {
        x: { type: 'float', min: 0.1, max: 1 },
        arch: { type: 'categorical', values: ['conv3-conv3-skip', 'skip-max3-conv5'] },
      },
      strategy: { sampler: 'random', scheduler: { type: 'asha', min: 1, max: 3, eta: 3 }, seed: 9 },
      limits: { maxTrials: 3, parallelism: 3 },
      trial: { command: [...toyNas, 'search'], gpus: 0 },
      retrain: { topK: 1, max: 2, command: [...toyNas, 'retrain'], sweep: { phi: [1, 2] } },
    };

    // Act
    const { study, search, retrain } = await runStudy(spec);

    // Assess
    expect(study.state).toBe('COMPLETED');
    // The trial trained furthest (the best of them, should ASHA finish more than one).
    const finalist = [...search].filter((t) => t.value !== undefined).sort((a, b) => b.resource - a.resource || b.value! - a.value!)[0];
    expect(finalist).toMatchObject({ state: 'COMPLETE', resource: 3 });
    expect(retrain.map((t) => t.params)).toEqual([
      { ...finalist.params, phi: 1 },
      { ...finalist.params, phi: 2 },
    ]);
    expect(retrain.every((t) => t.state === 'COMPLETE' && t.source === finalist.trialId)).toBe(true);
    const phi2 = retrain.find((t) => t.params.phi === 2)!;
    expect(study.best).toMatchObject({ trialId: phi2.trialId, value: phi2.value });
  });
});
