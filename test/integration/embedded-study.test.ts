import { describe, expect, it } from 'vitest';
import { useEmbedded } from '../support/embedded.js';

/**
 * Whole studies through the embedded runtime: the state machines rendered from the synthesized
 * template on aws-local-stepfunctions, the handler modules in process, dynalite, and real child
 * processes for the jobs, reporting through the local API.
 */
const embedded = useEmbedded('rung-it-');

/** The quickstart's trainer on a small budget (6 trials, 2 at a time), under the given strategy. */
function spiralsSpec(name: string, strategy: object) {
  return {
    name,
    objective: { metric: 'val_accuracy', goal: 'maximize' },
    parameters: {
      lr: { type: 'float', min: 0.01, max: 0.3, scale: 'log' },
      hidden: { type: 'int', min: 8, max: 32 },
      optimizer: { type: 'categorical', values: ['adam'] },
      weight_decay: { type: 'float', min: 1e-6, max: 1e-4, scale: 'log' },
      batch_size: { type: 'ordinal', values: [32, 64] },
    },
    strategy,
    limits: { maxTrials: 6, parallelism: 2 },
    trial: { command: ['node', '--import', 'tsx', 'examples/quickstart/train.ts'], gpus: 0 },
  };
}

describe('a study on the embedded runtime', () => {
  it('trains the quickstart network with successive halving, resuming promoted trials from their checkpoints', async () => {
    // Prepare: the quickstart's trainer on a small budget.
    const spec = spiralsSpec('it-spirals', {
      sampler: 'random',
      scheduler: { type: 'successive_halving', min: 1, max: 9, eta: 3 },
      seed: 11,
    });
    // Act
    const { study, trials } = await embedded.runStudy(spec);
    // Assess
    expect(study.state).toBe('COMPLETED');
    expect(trials.map((t) => t.state).sort()).toEqual(['COMPLETE', 'PRUNED', 'PRUNED', 'PRUNED', 'PRUNED', 'PRUNED']);
    const winner = trials.find((t) => t.state === 'COMPLETE')!;
    expect(winner).toMatchObject({ resource: 9, rung: 2 });
    expect(study.best).toMatchObject({ trialId: winner.trialId, resource: 9, value: winner.value });
    // The network learned something: three balanced classes give 1/3 by chance.
    expect(winner.value!).toBeGreaterThan(0.5);
    const steps = (await embedded.runtime.store.listMeasurements('local', study.studyId, winner.trialId)).map((m) => m.step);
    expect(steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Each promoted slice started from the checkpoint the previous one left.
    expect(embedded.trialLog(study.studyId, winner)).toEqual([
      `trial ${winner.trialId}: epochs 1..1 (resumed from 0)`,
      `trial ${winner.trialId}: epochs 2..3 (resumed from 1)`,
      `trial ${winner.trialId}: epochs 4..9 (resumed from 3)`,
    ]);
  });

  it('runs ASHA on lanes: every worker pulls its next job, promoted trials resume from their checkpoints', async () => {
    // Act
    const { study, trials } = await embedded.runStudy(
      spiralsSpec('it-asha', { sampler: 'tpe', scheduler: { type: 'asha', min: 1, max: 9, eta: 3 }, seed: 3 }),
    );
    // Assess
    expect(study.state).toBe('COMPLETED');
    expect(trials).toHaveLength(6);
    const top = trials.filter((t) => t.state === 'COMPLETE');
    expect(top.length).toBeGreaterThanOrEqual(1);
    expect(trials.every((t) => t.state === 'COMPLETE' || t.state === 'PRUNED')).toBe(true);
    for (const t of top) {
      expect(t.resource).toBe(9);
      const steps = (await embedded.runtime.store.listMeasurements('local', study.studyId, t.trialId)).map((m) => m.step);
      expect(steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
    expect(study.best!.resource).toBe(9);
  });

  it('marks trials whose job crashes FAILED and finishes the study with the others', async () => {
    // Act
    const { study, trials } = await embedded.runStudy({
      name: 'it-crash',
      objective: { metric: 'score', goal: 'maximize' },
      parameters: { x: { type: 'float', min: 0, max: 1 } },
      strategy: { scheduler: { type: 'fifo', max: 2 }, seed: 5 },
      limits: { maxTrials: 4, parallelism: 4 },
      trial: { command: ['node', '--import', 'tsx', 'test/fixtures/jobs/odd-crash.ts'], gpus: 0 },
    });
    // Assess
    expect(study.state).toBe('COMPLETED');
    const byId = Object.fromEntries(trials.map((t) => [t.trialId, t]));
    expect([byId['0'].state, byId['1'].state, byId['2'].state, byId['3'].state]).toEqual(['COMPLETE', 'FAILED', 'COMPLETE', 'FAILED']);
    expect(byId['1'].error).toMatch(/^job failed: States\.TaskFailed: .*exit code 1/);
    expect(study.best!.trialId).toBe((byId['0'].value! > byId['2'].value! ? byId['0'] : byId['2']).trialId);
  });

  it('fails the study with a clear error when more trials fail than allowed', async () => {
    const { study } = await embedded.runStudy({
      name: 'it-too-many-failures',
      objective: { metric: 'score', goal: 'maximize' },
      parameters: { x: { type: 'float', min: 0, max: 1 } },
      strategy: { scheduler: { type: 'successive_halving', min: 1, max: 3, eta: 3 }, seed: 5 },
      limits: { maxTrials: 4, parallelism: 4, maxFailedTrials: 1 },
      trial: { command: ['node', '--import', 'tsx', 'test/fixtures/jobs/odd-crash.ts'], gpus: 0 },
    });
    expect(study.state).toBe('FAILED');
    expect(study.error).toBe('2 trials failed, more than limits.maxFailedTrials (1)');
  });
});
