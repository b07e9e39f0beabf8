import { describe, expect, it } from 'vitest';
import { useEmbedded } from '../support/embedded.js';

/**
 * A Pareto study with a constraint through the embedded runtime: the rendered state machines,
 * dynalite, the local API, and the multi-objective example's training job as real processes.
 */
const embedded = useEmbedded('rung-mo-');

describe('a multi-objective study on the embedded runtime', () => {
  it('ends trials over the latency budget INFEASIBLE, never picks one as the best, and serves the front', async () => {
    // Prepare: accuracy vs parameter count; the job models 0.256 ms per tanh unit, so tanh beyond
    // 7 hidden units breaks the 2 ms budget while ReLU never does.
    const spec = {
      name: 'it-pareto',
      objectives: [
        { metric: 'val_accuracy', goal: 'maximize' },
        { metric: 'params', goal: 'minimize' },
      ],
      constraints: [{ metric: 'latency_ms', max: 2 }],
      parameters: {
        hidden: { type: 'int', min: 2, max: 48, scale: 'log' },
        activation: { type: 'categorical', values: ['relu', 'tanh'] },
        lr: { type: 'float', min: 0.01, max: 0.1, scale: 'log' },
      },
      strategy: { sampler: 'random', scheduler: { type: 'fifo', max: 2 }, seed: 21 },
      limits: { maxTrials: 6, parallelism: 3 },
      trial: { command: ['node', '--import', 'tsx', 'examples/multi-objective/train.ts'], gpus: 0, metrics: ['latency_ms'] },
    };
    // Act
    const { study, trials } = await embedded.runStudy(spec);
    const pareto = await embedded.runtime.request('GET', `/studies/${study.studyId}/pareto`);
    // Assess
    expect(study.state).toBe('COMPLETED');
    const over = (t: (typeof trials)[number]) => t.params.activation === 'tanh' && (t.params.hidden as number) >= 8;
    expect(trials.filter((t) => t.state === 'INFEASIBLE').length).toBeGreaterThan(0);
    expect(trials.filter((t) => t.state === 'COMPLETE').length).toBeGreaterThan(0);
    for (const t of trials) {
      expect(t.state).toBe(over(t) ? 'INFEASIBLE' : 'COMPLETE');
      expect(t.metrics).toMatchObject({ val_accuracy: t.value, params: 6 * (t.params.hidden as number) + 3 });
      expect(t.feasible).toBe(!over(t));
    }
    const best = trials.find((t) => t.trialId === study.best?.trialId)!;
    expect(best.state).toBe('COMPLETE');
    expect(best.value).toBe(Math.max(...trials.filter((t) => t.state === 'COMPLETE').map((t) => t.value!)));
    expect(pareto.status).toBe(200);
    const body = pareto.body as {
      front: { trialId: string }[];
      dominated: { trialId: string }[];
      infeasible: { trialId: string }[];
      hypervolume: number;
    };
    expect(body.infeasible.map((p) => p.trialId).sort()).toEqual(
      trials
        .filter(over)
        .map((t) => t.trialId)
        .sort(),
    );
    expect([...body.front, ...body.dominated].length).toBe(trials.filter((t) => !over(t)).length);
    expect(body.front.map((p) => p.trialId)).toContain(best.trialId);
    expect(body.hypervolume).toBeGreaterThan(0);
  });
});
