import '../../runtime/polyfills.js';
import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { ExecutionLimits, type LimitViolation } from '../../runtime/aws-limits.js';

/** Runs a definition on aws-local-stepfunctions with ExecutionLimits watching, as the embedded runtime does. */
async function run(definition: any, input: unknown, handlers: Record<string, (input: any) => Promise<unknown>>, limits = {}) {
  const machine = new StateMachine(definition, { validationOptions: { checkArn: false } });
  const execution = machine.run(input as never, { overrides: { taskResourceLocalHandlers: handlers as never } });
  const watcher = new ExecutionLimits(definition, limits);
  let stopped: LimitViolation | undefined;
  const watched = watcher.watch(execution.eventLogs as never, (v) => {
    stopped = v;
    execution.abort();
  });
  const outcome = await execution.result.then(
    (output) => ({ output }),
    (error: Error) => ({ error: error.name }),
  );
  await watched;
  return { outcome, stopped, events: watcher.history.count };
}

const lambda = 'arn:aws:states:::lambda:invoke';

describe('ExecutionLimits: the rules AWS enforces on an execution', () => {
  it('counts the history events Step Functions writes: a Lambda task, a Choice and a Succeed', async () => {
    // Prepare
    const definition = {
      StartAt: 'Step',
      States: {
        Step: { Type: 'Task', Resource: lambda, Parameters: { 'n.$': '$.n' }, Next: 'Done?' },
        'Done?': { Type: 'Choice', Choices: [{ Variable: '$.Payload', NumericEquals: 1, Next: 'End' }], Default: 'End' },
        End: { Type: 'Succeed' },
      },
    };

    // Act
    const { outcome, events } = await run(definition, { n: 1 }, { Step: async (i) => ({ Payload: i.n }) });

    // Assess: ExecutionStarted; TaskStateEntered, TaskScheduled, TaskStarted, TaskSucceeded, TaskStateExited; Choice Entered, Exited; Succeed Entered, Exited; ExecutionSucceeded.
    expect(outcome).toEqual({ output: { Payload: 1 } });
    expect(events).toBe(11);
  });

  it('counts a Map: its Started and Succeeded and each iteration, with the states inside', async () => {
    // Prepare
    const definition = {
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemsPath: '$.items',
          MaxConcurrency: 2,
          Iterator: { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: 'arn:aws:states:::batch:submitJob.sync', End: true } } },
          End: true,
        },
      },
    };

    // Act
    const { events } = await run(definition, { items: [1, 2, 3] }, { Work: async () => ({}) });

    // Assess: 2 (execution) + 4 (Map) + 3 x (2 iteration + 6 .sync Task).
    expect(events).toBe(2 + 4 + 3 * 8);
  });

  it('fails an execution whose state result passes 256 KiB with States.DataLimitExceeded, past every Catch', async () => {
    // Prepare
    const definition = {
      StartAt: 'Big',
      States: {
        Big: { Type: 'Task', Resource: lambda, Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }], Next: 'After' },
        After: { Type: 'Succeed' },
        Caught: { Type: 'Succeed' },
      },
    };

    // Act
    const { outcome, stopped } = await run(definition, {}, { Big: async () => ({ Payload: 'x'.repeat(300 * 1024) }) });

    // Assess
    expect(stopped).toEqual({ Error: 'States.DataLimitExceeded', Cause: expect.stringContaining('output of state Big') });
    expect(outcome).toEqual({ error: 'ExecutionAbortedError' });
  });

  it('stops an execution at its history limit', async () => {
    // Prepare: a loop that never ends by itself ($.stop is never set).
    const definition = {
      StartAt: 'Again',
      States: {
        Again: { Type: 'Pass', Next: 'Stop?' },
        'Stop?': { Type: 'Choice', Choices: [{ Variable: '$.stop', IsPresent: true, Next: 'End' }], Default: 'Again' },
        End: { Type: 'Succeed' },
      },
    };

    // Act
    const { stopped, events } = await run(definition, {}, {}, { historyEvents: 500 });

    // Assess
    expect(stopped).toEqual({ Error: 'States.Runtime', Cause: expect.stringContaining('500 history events') });
    expect(events).toBeGreaterThan(500);
  });
});
