import { describe, expect, it } from 'vitest';
import { readAll } from '../../shared/store/port.js';
import { executionEnded } from '../../shared/study/execution-ended.js';
import { createStudy, resumeStudy, stopStudy } from '../../shared/study/service.js';
import { plan, startTrial, suggest } from '../../shared/study/workflow.js';
import { executionStatusEventSchema } from '../../functions/steps/execution-ended.js';
import { memoryContexts } from '../support/contexts.js';

const spec = {
  name: 'ends',
  objective: { metric: 'acc', goal: 'maximize' },
  parameters: { x: { type: 'float', min: 0, max: 1 } },
  strategy: { scheduler: { type: 'fifo', max: 1 }, seed: 1 },
  limits: { maxTrials: 2, parallelism: 2 },
  trial: { command: ['train'] },
};

/** A study whose execution runs, with one trial's job running. */
async function runningStudy() {
  const ctx = memoryContexts();
  const study = await createStudy(ctx.service, 'team-a', spec, undefined);
  await plan(ctx.steps, study);
  const rung = await suggest(ctx.steps, { team: 'team-a', studyId: study.studyId, bracket: 0 });
  await startTrial(ctx.steps, rung.trials[0]!);
  return { ctx, study };
}

/** The EventBridge event as Step Functions sends it for an execution of the StudyMachine. */
const statusEvent = (name: string, status: string, input: unknown, extra: Record<string, unknown> = {}) => ({
  version: '0',
  source: 'aws.states',
  'detail-type': 'Step Functions Execution Status Change',
  detail: {
    executionArn: `arn:aws:states:us-east-1:123456789012:execution:StudyMachine:${name}`,
    name,
    status,
    input: JSON.stringify(input),
    ...extra,
  },
});

describe('a StudyMachine execution that ends past every Catch', () => {
  it('ends the study FAILED (resumable) with the reason, its running trial paused, however often the event arrives', async () => {
    // Prepare
    const { ctx, study } = await runningStudy();
    const event = executionStatusEventSchema.parse(
      statusEvent(
        study.studyId,
        'FAILED',
        { team: 'team-a', studyId: study.studyId },
        {
          error: 'States.DataLimitExceeded',
          cause: 'The state/task returned a result with a size exceeding the maximum number of bytes service limit.',
        },
      ),
    );

    // Act
    const first = await executionEnded(ctx.steps, event);
    const again = await executionEnded(ctx.steps, event);
    const after = await ctx.store.getStudy('team-a', study.studyId);
    const trials = await readAll((p) => ctx.store.listTrials('team-a', study.studyId, p));

    // Assess
    expect(first.state).toBe('FAILED');
    expect(again).toMatchObject({ state: 'FAILED', ignored: 'the study is already FAILED' });
    expect(after!.error).toContain('States.DataLimitExceeded');
    expect(trials.map((t) => t.state).sort()).toEqual(['PAUSED', 'WAITING']);
  });

  it('names a timeout and an abort as such', async () => {
    for (const [status, reason] of [
      ['TIMED_OUT', 'States.Timeout'],
      ['ABORTED', 'ExecutionAborted'],
    ] as const) {
      // Prepare
      const { ctx, study } = await runningStudy();

      // Act
      await executionEnded(ctx.steps, { team: 'team-a', studyId: study.studyId, executionName: study.studyId, status });

      // Assess
      expect((await ctx.store.getStudy('team-a', study.studyId))!.error).toContain(reason);
    }
  });

  it('ends a stopped study STOPPED when its execution is aborted', async () => {
    // Prepare
    const { ctx, study } = await runningStudy();
    await stopStudy(ctx.service, 'team-a', study.studyId);

    // Act
    const ended = await executionEnded(ctx.steps, {
      team: 'team-a',
      studyId: study.studyId,
      executionName: study.studyId,
      status: 'ABORTED',
    });

    // Assess
    expect(ended.state).toBe('STOPPED');
  });

  it("leaves alone a succeeded execution and an earlier attempt's execution", async () => {
    // Prepare: the study failed, was resumed, and its second attempt runs.
    const { ctx, study } = await runningStudy();
    await executionEnded(ctx.steps, { team: 'team-a', studyId: study.studyId, executionName: study.studyId, status: 'FAILED' });
    await resumeStudy(ctx.service, 'team-a', study.studyId);
    await plan(ctx.steps, study);
    const running = await ctx.store.getStudy('team-a', study.studyId);

    // Act: the first attempt's late abort, and a success.
    const stale = await executionEnded(ctx.steps, {
      team: 'team-a',
      studyId: study.studyId,
      executionName: study.studyId,
      status: 'ABORTED',
    });
    const succeeded = await executionEnded(ctx.steps, {
      team: 'team-a',
      studyId: study.studyId,
      executionName: `${study.studyId}-2`,
      status: 'SUCCEEDED',
    });
    const after = await ctx.store.getStudy('team-a', study.studyId);

    // Assess
    expect(running!.state).toBe('RUNNING');
    expect(stale.ignored).toContain('earlier attempt');
    expect(succeeded.ignored).toContain('succeeded');
    expect(after!.state).toBe('RUNNING');
    expect(after!.version).toBe(running!.version);
  });

  it('refuses an event whose input names no study, naming the field', () => {
    // Act
    const parsed = executionStatusEventSchema.safeParse(statusEvent('x', 'FAILED', { team: 'team-a' }));

    // Assess
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.path.join('.'))).toEqual(['detail.input']);
  });
});
