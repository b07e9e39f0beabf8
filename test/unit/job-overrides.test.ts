import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../shared/errors.js';
import {
  containerOverrideBytes,
  contractReserveBytes,
  maxContainerOverrideBytes,
  overrideSizeIssues,
  worstCaseOverrides,
  worstCaseParamsBytes,
} from '../../shared/study/job-overrides.js';
import { createStudy } from '../../shared/study/service.js';
import { parseStudySpec } from '../../shared/study/spec.js';
import { plan, startTrial, suggest } from '../../shared/study/workflow.js';
import { memoryContexts } from '../support/contexts.js';

const base = (overrides: Record<string, unknown> = {}) => ({
  name: 'sizes',
  objective: { metric: 'acc', goal: 'maximize' },
  parameters: { lr: { type: 'float', min: 1e-4, max: 1e-1, scale: 'log' }, opt: { type: 'categorical', values: ['sgd', 'adamw'] } },
  strategy: { scheduler: { type: 'fifo', max: 1 }, seed: 1 },
  limits: { maxTrials: 2 },
  trial: { command: ['python', 'train.py'] },
  ...overrides,
});

const value = (n: number, c = 'x') => c.repeat(n);

describe("a job's container overrides against AWS Batch's 8 KiB", () => {
  it('accepts an ordinary study', () => {
    // Act / Assess
    expect(overrideSizeIssues(parseStudySpec(base()))).toEqual([]);
  });

  it('names trial.environment when two 4 KiB values would not fit, and creates nothing', async () => {
    // Prepare
    const ctx = memoryContexts();
    const spec = base({ trial: { command: ['python', 'train.py'], environment: { A: value(4096), B: value(4096) } } });

    // Act
    const error = await createStudy(ctx.service, 'team-a', spec, undefined).catch((e: unknown) => e);
    const studies = await ctx.store.listStudies('team-a', {});

    // Assess
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).issues).toEqual([
      { path: 'trial.environment', message: expect.stringContaining('AWS Batch takes at most 8192') },
    ]);
    expect(studies.items).toEqual([]);
  });

  it('names trial.command when the command is what is large', () => {
    // Prepare
    const spec = parseStudySpec(base({ trial: { command: Array.from({ length: 8 }, () => value(1024)) } }));

    // Act / Assess
    expect(overrideSizeIssues(spec).map((i) => i.path)).toEqual(['trial.command']);
  });

  it('names parameters when long categorical values are what is large', () => {
    // Prepare: 30 categorical parameters of three 250-character values.
    const parameters = Object.fromEntries(
      Array.from({ length: 30 }, (_, i) => [`p${i}`, { type: 'categorical', values: ['a', 'b', 'c'].map((c) => value(250, c)) }]),
    );

    // Act
    const issues = overrideSizeIssues(parseStudySpec(base({ parameters })));

    // Assess
    expect(issues.map((i) => i.path)).toEqual(['parameters']);
  });

  it("bounds the overrides a real trial's job carries", async () => {
    // Prepare: a study just under the limit in each part it controls.
    const ctx = memoryContexts();
    const parameters = Object.fromEntries(
      Array.from({ length: 6 }, (_, i) => [`p${i}`, { type: 'categorical', values: [value(3), value(200, 'y')] }]),
    );
    const spec = base({ parameters, trial: { command: ['python', value(500)], environment: { DATA_URI: value(1500) } } });
    const study = await createStudy(ctx.service, 'team-a', spec, undefined);
    await plan(ctx.steps, study);
    const rung = await suggest(ctx.steps, { team: 'team-a', studyId: study.studyId, bracket: 0 });

    // Act
    const started = await startTrial(ctx.steps, rung.trials[0]!);
    const job = started.job!;
    const real = containerOverrideBytes(job.command, job.env);
    const contractOnly = containerOverrideBytes(
      [],
      Object.fromEntries(Object.entries(job.env).filter(([k]) => k !== 'RUNG_PARAMS' && k !== 'RUNG_ENV')),
    );

    // Assess
    const parsed = parseStudySpec(spec);
    expect(overrideSizeIssues(parsed)).toEqual([]);
    expect(JSON.stringify(job.env.RUNG_PARAMS).length).toBeLessThanOrEqual(worstCaseParamsBytes(parsed));
    expect(contractOnly).toBeLessThan(contractReserveBytes);
    expect(real).toBeLessThanOrEqual(worstCaseOverrides(parsed).total);
    expect(real).toBeLessThanOrEqual(maxContainerOverrideBytes);
  });
});
