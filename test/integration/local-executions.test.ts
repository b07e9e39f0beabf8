import { describe, expect, it } from 'vitest';
import { renderDefinitions } from '../../runtime/definitions.js';
import { LocalExecutions, lambdaTasks, taskStateNames } from '../../runtime/executions.js';
import { LocalBatch } from '../../runtime/local-batch.js';

describe('local executions of the synthesized state machines', () => {
  const definitions = renderDefinitions();
  const batch = new LocalBatch({ cwd: '.', logDir: '/tmp' });

  it('overrides every Task state of the three machines (none would call AWS)', () => {
    const tasks = [definitions.studyMachine, definitions.bracketMachine, definitions.laneMachine].flatMap((d) =>
      taskStateNames(d as never),
    );
    expect(new Set(tasks)).toEqual(new Set([...Object.keys(lambdaTasks), 'TrainTrial', 'RunBracket', 'RetrainBracket', 'RunLane']));
    expect(() => new LocalExecutions({ ...definitions, batch } as never)).not.toThrow();
  });

  it('refuses a definition with a Task state it cannot run locally', () => {
    // Prepare: a Task hidden inside the rung Map, as a future change might add.
    const bracket = structuredClone(definitions.bracketMachine) as any;
    const map = bracket.States.RunRung;
    const processor = map.ItemProcessor ?? map.Iterator;
    processor.States.Notify = { Type: 'Task', Resource: 'arn:aws:states:::sns:publish', End: true };
    // Act + Assess
    expect(() => new LocalExecutions({ ...definitions, bracketMachine: bracket, batch } as never)).toThrow(
      'Task states without a local override (they would call AWS): Notify',
    );
  });
});
