import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { BRACKET_MACHINE_STATES, JOB_ENVIRONMENT, LANE_MACHINE_STATES, STUDY_MACHINE_STATES } from '../../infra/workflow-contract.js';
import { type RenderedDefinitions, renderDefinitions } from '../../runtime/definitions.js';
import { contractNames } from './synth.js';
import { maxExecutionSeconds, trainTaskTimeoutSeconds } from '../../shared/study/timeouts.js';

// asl-validator ships no types; this is the part of its API the tests use.
type AslValidator = (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => {
  isValid: boolean;
  errorsText: (separator?: string) => string;
};
const aslValidator = createRequire(import.meta.url)('asl-validator') as AslValidator;

type State = Record<string, any>;
type Definition = { StartAt: string; States: Record<string, State>; QueryLanguage?: string };

/** Every state of a definition, descending into Map ItemProcessor/Iterator and Parallel branches. */
function allStates(definition: Definition, prefix = ''): [string, State][] {
  return Object.entries(definition.States).flatMap(([name, state]) => {
    const nested: Definition[] = [
      ...(state.ItemProcessor ? [state.ItemProcessor] : []),
      ...(state.Iterator ? [state.Iterator] : []),
      ...(state.Branches ?? []),
    ];
    return [[`${prefix}${name}`, state] as [string, State], ...nested.flatMap((d) => allStates(d, `${prefix}${name}/`))];
  });
}

/** Uses of features that aws-local-stepfunctions 3 does not execute (JSONata, Variables, Distributed Map). */
function unsupportedFeatures(definition: Definition): string[] {
  const problems: string[] = [];
  if ('QueryLanguage' in definition) problems.push('top level: QueryLanguage');
  const scan = (where: string, value: unknown): void => {
    if (typeof value === 'string' && /\{%[\s\S]*%\}/.test(value)) problems.push(`${where}: JSONata expression ${value}`);
    else if (Array.isArray(value)) value.forEach((v, i) => scan(`${where}[${i}]`, v));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) scan(`${where}.${k}`, v);
  };
  scan('definition', definition);
  for (const [name, state] of allStates(definition)) {
    for (const field of ['QueryLanguage', 'Assign', 'Arguments', 'Output', 'ItemReader', 'ItemBatcher', 'ResultWriter']) {
      if (field in state) problems.push(`${name}: ${field}`);
    }
    if (state.ProcessorConfig?.Mode === 'DISTRIBUTED' || state.ItemProcessor?.ProcessorConfig?.Mode === 'DISTRIBUTED') {
      problems.push(`${name}: ProcessorConfig Mode DISTRIBUTED`);
    }
  }
  return problems;
}

const contract = contractNames(readFileSync(new URL('../../docs/workflow.md', import.meta.url), 'utf8'));

let rendered: RenderedDefinitions;
let study: Definition;
let bracket: Definition;
let lane: Definition;

beforeAll(() => {
  // Prepare: the definitions exactly as the embedded runtime gets them.
  rendered = renderDefinitions();
  study = rendered.studyMachine as Definition;
  bracket = rendered.bracketMachine as Definition;
  lane = rendered.laneMachine as Definition;
});

describe('renderDefinitions', () => {
  it('renders plain ASL that asl-validator accepts', () => {
    // Prepare: fresh copies (asl-validator writes QueryLanguage into the states it validates).
    const { studyMachine, bracketMachine } = renderDefinitions();

    // Act
    const results = [aslValidator(studyMachine), aslValidator(bracketMachine)];

    // Assess
    expect(results.map((r) => (r.isValid ? '' : r.errorsText('\n')))).toEqual(['', '']);
  });

  it('resolves every CloudFormation reference to a local name', () => {
    // Act
    const text = JSON.stringify([study, bracket, rendered.jobDefinition]);

    // Assess
    expect(text).not.toMatch(/Fn::|"Ref"|\$\{Token|AWS::/);
    expect(allStates(study).find(([n]) => n === 'RunBrackets/RunBracket')![1].Parameters.StateMachineArn).toBe(
      'arn:aws:states:local:000000000000:stateMachine:BracketMachine',
    );
    expect(allStates(study).find(([n]) => n === 'Plan')![1].Resource).toBe('arn:aws:lambda:local:000000000000:function:PlanFunction');
    expect(allStates(bracket).find(([n]) => n === 'RunRung/TrainTrial')![1].Parameters).toMatchObject({
      JobDefinition: 'arn:aws:batch:local:000000000000:job-definition/TrainingJobDefinition',
      // The study's `trial.spot` picks the queue, in the order of shared/study/job.ts jobQueues.
      'JobQueue.$':
        "States.ArrayGetItem(States.Array('arn:aws:batch:local:000000000000:job-queue/TrainingJobQueue', " +
        "'arn:aws:batch:local:000000000000:job-queue/OnDemandJobQueue'), $.job.queue)",
    });
    expect(rendered.jobQueues).toEqual({
      'arn:aws:batch:local:000000000000:job-queue/TrainingJobQueue': { spot: true, capacityWaitSeconds: 1800 },
      'arn:aws:batch:local:000000000000:job-queue/OnDemandJobQueue': { spot: false, capacityWaitSeconds: 21_600 },
    });
  });

  it('returns the job definition with its default command and fixed environment', () => {
    // Assess
    expect(rendered.jobDefinition.logicalId).toBe('TrainingJobDefinition');
    expect(rendered.jobDefinition.command.length).toBeGreaterThan(0);
    expect(rendered.jobDefinition.environment).toMatchObject({ PYTHONUNBUFFERED: '1' });
  });

  it('synthesizes once per process and hands out copies', () => {
    // Act
    const started = performance.now();
    const again = renderDefinitions();
    const elapsedMs = performance.now() - started;

    // Assess
    expect(again).toEqual(rendered);
    expect(again.studyMachine).not.toBe(rendered.studyMachine);
    expect(elapsedMs).toBeLessThan(50);
  });
});

describe('features the embedded runtime executes', () => {
  it('finds no JSONata, Variables or Distributed Map in either machine', () => {
    // Assess
    expect(unsupportedFeatures(study)).toEqual([]);
    expect(unsupportedFeatures(bracket)).toEqual([]);
    expect(unsupportedFeatures(lane)).toEqual([]);
  });

  it('gives every Task an explicit timeout (the embedded runtime stops a Task after 60 s otherwise), none shorter than a spec allows', () => {
    const tasks = [...allStates(study), ...allStates(bracket), ...allStates(lane)].filter(([, state]) => state.Type === 'Task');
    const timeout = (state: State) => state.TimeoutSeconds;
    const timeouts = Object.fromEntries(tasks.map(([name, state]) => [name.split('/').pop(), timeout(state)]));
    expect(tasks.filter(([, state]) => timeout(state) === undefined).map(([name]) => name)).toEqual([]);
    // shared/study/timeouts.ts: long enough for every spec the API accepts, within AWS's bounds.
    expect(timeouts).toMatchObject({
      TrainTrial: trainTaskTimeoutSeconds,
      RunBracket: maxExecutionSeconds,
      RetrainBracket: maxExecutionSeconds,
      RunLane: maxExecutionSeconds,
    });
    expect(trainTaskTimeoutSeconds).toBeGreaterThanOrEqual(10 * 14 * 86_400);
    expect(Math.max(...Object.values(timeouts).map(Number))).toBeLessThanOrEqual(99_999_999);
    const fixed = Object.values(timeouts).filter((t): t is number => typeof t === 'number');
    expect(Math.min(...fixed)).toBeGreaterThanOrEqual(60);
  });

  it('would catch each unsupported feature (the check itself works)', () => {
    // Prepare
    const bad: Definition = {
      QueryLanguage: 'JSONata',
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          End: true,
          ItemReader: {},
          ItemBatcher: {},
          ResultWriter: {},
          ItemProcessor: {
            ProcessorConfig: { Mode: 'DISTRIBUTED' },
            StartAt: 'T',
            States: { T: { Type: 'Task', End: true, Assign: {}, Arguments: {}, Output: '{% $states.input %}' } },
          },
        },
        P: {
          Type: 'Parallel',
          End: true,
          Branches: [{ StartAt: 'Q', States: { Q: { Type: 'Pass', End: true, QueryLanguage: 'JSONata' } } }],
        },
      },
    };

    // Act
    const problems = unsupportedFeatures(bad);

    // Assess
    for (const expected of [
      'top level: QueryLanguage',
      'M: ItemReader',
      'M: ItemBatcher',
      'M: ResultWriter',
      'M: ProcessorConfig Mode DISTRIBUTED',
      'M/T: Assign',
      'M/T: Arguments',
      'M/T: Output',
      'P/Q: QueryLanguage',
    ]) {
      expect(problems).toContain(expected);
    }
    expect(problems.some((p) => p.includes('JSONata expression'))).toBe(true);
  });
});

describe('the contract of docs/workflow.md', () => {
  it('has every state of the StudyMachine, BracketMachine and LaneMachine tables, and no other', () => {
    // Prepare
    const studyNames = contract.get('StudyMachine (Standard)')!;
    const bracketNames = contract.get('BracketMachine (Standard)')!;
    const laneNames = contract.get('LaneMachine (Standard)')!;

    // Act
    const leaf = (d: Definition) =>
      allStates(d)
        .map(([path]) => path.split('/').pop()!)
        .sort();

    // Assess
    expect(studyNames.length).toBeGreaterThan(5);
    expect(bracketNames.length).toBeGreaterThan(8);
    expect(leaf(study)).toEqual([...studyNames].sort());
    expect(leaf(bracket)).toEqual([...bracketNames].sort());
    expect([...studyNames].sort()).toEqual(Object.values(STUDY_MACHINE_STATES).sort());
    expect([...bracketNames].sort()).toEqual(Object.values(BRACKET_MACHINE_STATES).sort());
    expect(leaf(lane)).toEqual([...laneNames].sort());
    expect([...laneNames].sort()).toEqual(Object.values(LANE_MACHINE_STATES).sort());
  });

  it('has the state types, paths and wiring of the tables', () => {
    // Act
    const s = Object.fromEntries(allStates(study).map(([p, st]) => [p.split('/').pop()!, st]));
    const b = Object.fromEntries(allStates(bracket).map(([p, st]) => [p.split('/').pop()!, st]));

    // Assess: StudyMachine
    expect(study.StartAt).toBe('Plan');
    expect(s.Plan).toMatchObject({
      Type: 'Task',
      Next: 'UseLanes',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'MarkFailed' }],
    });
    expect(s.UseLanes).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.lanes[0]', IsPresent: true, Next: 'RunLanes' }],
      Default: 'RunBrackets',
    });
    expect(s.RunLanes).toMatchObject({ Type: 'Map', ItemsPath: '$.lanes', ResultPath: null, Next: 'Replan' });
    expect(s.RunLanes).not.toHaveProperty('MaxConcurrency');
    expect(s.RunLane).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::states:startExecution.sync:2',
      Parameters: {
        'Name.$': '$.name',
        Input: { 'team.$': '$.team', 'studyId.$': '$.studyId', 'lane.$': '$.lane', 'round.$': '$.round', jobIndex: 0 },
      },
    });
    // Each child's description stays out of the Map's results: an iteration keeps the child's name.
    for (const name of ['RunLane', 'RunBracket', 'RetrainBracket'])
      expect(s[name]).toMatchObject({ ResultPath: null, OutputPath: '$.name' });
    expect(s.Replan).toMatchObject({ Type: 'Task', Parameters: { 'round.$': 'States.MathAdd($.round, 1)' }, Next: 'UseLanes' });
    expect(s.Replan.Resource).toBe(s.Plan.Resource);
    for (const name of ['RunLanes', 'Replan'])
      expect(s[name].Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'MarkFailed' }]);
    expect(s.RunBrackets).toMatchObject({ Type: 'Map', ItemsPath: '$.brackets', MaxConcurrency: 1, ResultPath: null, Next: 'PlanRetrain' });
    expect(s.PlanRetrain).toMatchObject({
      Type: 'Task',
      Parameters: { 'team.$': '$.team', 'studyId.$': '$.studyId', phase: 'retrain' },
      Next: 'RunRetrain',
    });
    expect(s.PlanRetrain.Resource).toBe(s.Plan.Resource);
    expect(s.RunRetrain).toMatchObject({ Type: 'Map', ItemsPath: '$.brackets', MaxConcurrency: 1, ResultPath: null, Next: 'Finalize' });
    expect(s.RetrainBracket).toMatchObject({ Type: 'Task', Resource: s.RunBracket.Resource, Parameters: s.RunBracket.Parameters });
    for (const name of ['RunBrackets', 'PlanRetrain', 'RunRetrain'])
      expect(s[name].Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'MarkFailed' }]);
    expect(s.RunBracket).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::states:startExecution.sync:2',
      Parameters: {
        'Name.$': '$.name',
        Input: { 'team.$': '$.team', 'studyId.$': '$.studyId', 'bracket.$': '$.bracket', 'name.$': '$.name' },
      },
    });
    expect(s.Finalize).toMatchObject({
      Parameters: { 'team.$': '$.team', 'studyId.$': '$.studyId', outcome: 'COMPLETED' },
      Next: 'StudyDone',
    });
    expect(s.MarkFailed).toMatchObject({
      Parameters: { 'team.$': '$.team', 'studyId.$': '$.studyId', outcome: 'FAILED', 'error.$': '$.error' },
      Next: 'StudyFailed',
    });
    expect(s.Finalize.Resource).toBe(s.MarkFailed.Resource);
    expect(s.StudyFailed.Type).toBe('Fail');
    expect(s.StudyDone.Type).toBe('Succeed');

    // Assess: BracketMachine
    expect(bracket.StartAt).toBe('Suggest');
    expect(b.Suggest).toMatchObject({ Type: 'Task', Next: 'IsBracketDone' });
    expect(b.IsBracketDone).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.done', BooleanEquals: true, Next: 'BracketDone' }],
      Default: 'RunRung',
    });
    expect(b.RunRung).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.trials',
      MaxConcurrencyPath: '$.parallelism',
      ResultPath: null,
      Next: 'Promote',
    });
    expect(b.RunRung.ItemProcessor.StartAt).toBe('StartTrial');
    expect(b.StartTrial).toMatchObject({ Type: 'Task', Next: 'ShouldTrain' });
    expect(b.ShouldTrain).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.run', BooleanEquals: true, Next: 'TrainTrial' }],
      Default: 'TrialSkipped',
    });
    expect(b.TrainTrial).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::batch:submitJob.sync',
      Next: 'Observe',
      Retry: [expect.objectContaining({ ErrorEquals: ['Batch.AWSBatchException'] })],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.caught', Next: 'SpotUnavailable' }],
    });
    // A Spot job that Batch cancelled for its wait in RUNNABLE runs again on demand; any other failure is observed.
    expect(b.SpotUnavailable).toEqual({
      Type: 'Choice',
      Choices: [
        { Not: { Variable: '$.caught.Cause', IsPresent: true }, Next: 'JobFailed' },
        {
          And: [
            { Variable: '$.job.queue', NumericEquals: 0 },
            { Variable: '$.caught.Cause', StringMatches: '*Canceled by JobStateTimeLimit action due to reason: *' },
          ],
          Next: 'OnDemandInstead',
        },
      ],
      Default: 'JobFailed',
    });
    expect(b.OnDemandInstead).toEqual({ Type: 'Pass', Result: 1, ResultPath: '$.job.queue', Next: 'TrainTrial' });
    expect(b.JobFailed).toEqual({ Type: 'Pass', InputPath: '$.caught', ResultPath: '$.jobError', Next: 'Observe' });
    expect(b.TrainTrial.Parameters).toMatchObject({
      'JobName.$': '$.job.jobName',
      ContainerOverrides: { 'Command.$': '$.job.command', 'ResourceRequirements.$': '$.job.resourceRequirements' },
    });
    // The study's retries override the attempts; the rules are the job definition's own.
    expect(b.TrainTrial.Parameters.RetryStrategy).toEqual({
      'Attempts.$': '$.job.attempts',
      EvaluateOnExit: rendered.jobDefinition.retryStrategy!.EvaluateOnExit,
    });
    expect(b.TrainTrial.Parameters.Timeout).toEqual({ 'AttemptDurationSeconds.$': '$.job.timeoutSeconds' });
    expect(b.TrainTrial).toMatchObject({
      ResultSelector: { 'StartedAt.$': '$.StartedAt', 'StoppedAt.$': '$.StoppedAt' },
      ResultPath: '$.jobResult',
    });
    expect(b.Observe).toMatchObject({ Type: 'Task', ResultPath: null, End: true });
    expect(b.TrialSkipped.Type).toBe('Succeed');
    expect(b.Promote).toMatchObject({ Type: 'Task', Next: 'IsBracketDone' });
    expect(b.BracketDone.Type).toBe('Succeed');

    // Assess: LaneMachine
    const l = Object.fromEntries(allStates(lane).map(([p, st]) => [p.split('/').pop()!, st]));
    expect(lane.StartAt).toBe('NextJob');
    expect(l.NextJob).toMatchObject({ Type: 'Task', Next: 'HasJob' });
    expect(l.HasJob).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.run', BooleanEquals: true, Next: 'TrainTrial' }],
      Default: 'LaneDone',
    });
    expect(l.TrainTrial).toMatchObject({
      Resource: 'arn:aws:states:::batch:submitJob.sync',
      Next: 'ObserveJob',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.caught', Next: 'SpotUnavailable' }],
    });
    expect(l.SpotUnavailable).toEqual(b.SpotUnavailable);
    expect(l.JobFailed).toEqual({ ...b.JobFailed, Next: 'ObserveJob' });
    expect(l.TrainTrial.Parameters).toEqual(b.TrainTrial.Parameters);
    expect(l.ObserveJob).toMatchObject({ Type: 'Task', Next: 'NextJob' });
    expect(l.LaneDone.Type).toBe('Succeed');

    // Lambda tasks retry Lambda service errors.
    for (const name of ['Plan', 'Finalize', 'MarkFailed']) expect(s[name].Retry[0].ErrorEquals).toContain('Lambda.ServiceException');
    for (const name of ['Suggest', 'StartTrial', 'Observe', 'Promote'])
      expect(b[name].Retry[0].ErrorEquals).toContain('Lambda.ServiceException');
  });

  it('passes every variable of the job contract table to TrainTrial, from $.job.env', () => {
    // Prepare
    const table = contract.get('The job contract (Batch on AWS, a local process in the embedded runtime)')!;
    const trainTrial = allStates(bracket).find(([n]) => n === 'RunRung/TrainTrial')![1];

    // Act
    const environment = trainTrial.Parameters.ContainerOverrides.Environment as { Name: string; 'Value.$': string }[];

    // Assess
    expect(table).toEqual([...JOB_ENVIRONMENT]);
    expect(environment).toEqual(table.map((name) => ({ Name: name, 'Value.$': `$.job.env.${name}` })));
  });
});
