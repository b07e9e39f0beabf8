import { describe, expect, it } from 'vitest';
import { jobSpecFor } from '../../shared/study/job.js';
import { studySpecSchema } from '../../shared/study/spec.js';
import type { StepContext } from '../../shared/study/workflow.js';
import { makeStudy, makeTrial, minimalSpecInput } from '../support/factories.js';

/** What the TrainTrial state hands to Batch: the job contract and the container overrides. */
const ctx = { artifactBaseUri: 's3://bucket' } as StepContext;

function studyWith(overrides: object) {
  return makeStudy({ spec: studySpecSchema.parse({ ...structuredClone(minimalSpecInput), ...overrides }), apiUrl: 'https://api/v1' });
}

describe('jobSpecFor', () => {
  it("asks Batch for the study's GPUs, and leaves the job definition's one GPU for gpus: 0", () => {
    // Prepare
    const four = studyWith({ trial: { command: ['python', 'train.py'], gpus: 4 } });
    const none = studyWith({ trial: { command: ['python', 'train.py'], gpus: 0 } });
    // Act
    const a = jobSpecFor(ctx, four, makeTrial(), 3, 'token');
    const b = jobSpecFor(ctx, none, makeTrial(), 3, 'token');
    // Assess
    expect(a.resourceRequirements).toEqual([{ Type: 'GPU', Value: '4' }]);
    expect(b.resourceRequirements).toEqual([]);
  });

  it('runs a retraining trial with the retraining command and environment, from scratch', () => {
    // Prepare
    const study = studyWith({
      trial: { command: ['python', 'search.py'], environment: { DATA: 'a', KEEP: '1' } },
      retrain: { max: 20, command: ['python', 'retrain.py'], environment: { DATA: 'b' } },
    });
    // Act
    const search = jobSpecFor(ctx, study, makeTrial({ trialId: '1' }), 2, 'token');
    const retrain = jobSpecFor(ctx, study, makeTrial({ trialId: '9', phase: 'retrain', source: '1' }), 20, 'token');
    // Assess
    expect(search.command).toEqual(['python', 'search.py']);
    expect(JSON.parse(search.env.RUNG_ENV)).toEqual({ DATA: 'a', KEEP: '1' });
    expect(retrain.command).toEqual(['python', 'retrain.py']);
    expect(JSON.parse(retrain.env.RUNG_ENV)).toEqual({ DATA: 'b', KEEP: '1' });
    expect(retrain.env).toMatchObject({ RUNG_RESOURCE_FROM: '0', RUNG_RESOURCE_TO: '20', RUNG_TRIAL_ID: '9' });
    expect(retrain.env.RUNG_CHECKPOINT_URI).toBe('s3://bucket/teams/team-a/studies/study-1/trials/9/checkpoint');
  });

  it("passes the study's periodic checkpoint settings, and 300 s with no step count when it sets none", () => {
    // Prepare
    const set = studyWith({ trial: { command: ['python', 'train.py'], checkpoint: { everySeconds: 60, everySteps: 5 } } });
    const unset = studyWith({ trial: { command: ['python', 'train.py'] } });
    // Act
    const a = jobSpecFor(ctx, set, makeTrial(), 3, 'token');
    const b = jobSpecFor(ctx, unset, makeTrial(), 3, 'token');
    // Assess
    expect(a.env).toMatchObject({ RUNG_CHECKPOINT_SECONDS: '60', RUNG_CHECKPOINT_STEPS: '5' });
    expect(b.env).toMatchObject({ RUNG_CHECKPOINT_SECONDS: '300', RUNG_CHECKPOINT_STEPS: '' });
    expect(() => studyWith({ trial: { command: ['x'], checkpoint: { everySeconds: 1.5, everySteps: 0, every: 1 } } })).toThrow(
      /everySeconds[\s\S]*everySteps|everySteps[\s\S]*everySeconds/,
    );
  });
});
