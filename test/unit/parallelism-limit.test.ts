import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../shared/errors.js';
import { createStudy } from '../../shared/study/service.js';
import { patchStudy } from '../../shared/study/steering.js';
import { memoryContexts } from '../support/contexts.js';

/** Step Functions runs at most 40 iterations of an inline Map at once: a workflow study may not ask for more. */
const spec = (limits: Record<string, unknown>, execution: 'workflow' | 'external' = 'workflow') => ({
  name: 'wide',
  objective: { metric: 'acc', goal: 'maximize' },
  parameters: { x: { type: 'float', min: 0, max: 1 } },
  strategy: { scheduler: { type: 'asha', min: 1, max: 9 }, execution },
  limits: { maxTrials: 100, ...limits },
  trial: { command: ['train'] },
});

async function issuesOf(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidInputError);
  return (error as InvalidInputError).issues;
}

describe('limits.parallelism of a workflow study', () => {
  it('accepts 40 and refuses 41 at creation, naming the field and the rule, and creates nothing', async () => {
    // Prepare
    const ctx = memoryContexts();

    // Act
    const accepted = await createStudy(ctx.service, 'team-a', spec({ parallelism: 40 }), undefined);
    const issues = await issuesOf(createStudy(ctx.service, 'team-a', spec({ parallelism: 41 }), undefined));
    const studies = await ctx.store.listStudies('team-a', {});

    // Assess
    expect(accepted.spec.limits.parallelism).toBe(40);
    expect(issues).toEqual([{ path: 'limits.parallelism', message: expect.stringContaining('at most 40 for a workflow study') }]);
    expect(studies.items.map((s) => s.studyId)).toEqual([accepted.studyId]);
  });

  it('lets an external (ask/tell) study, which runs no Map, take up to 256', async () => {
    // Prepare
    const ctx = memoryContexts();

    // Act
    const external = await createStudy(ctx.service, 'team-a', spec({ parallelism: 256 }, 'external'), undefined);

    // Assess
    expect(external.spec.limits.parallelism).toBe(256);
  });

  it('refuses steering a running workflow study above 40 and leaves its limit as it was', async () => {
    // Prepare
    const ctx = memoryContexts();
    const study = await createStudy(ctx.service, 'team-a', spec({ parallelism: 8 }), undefined);

    // Act
    const issues = await issuesOf(patchStudy(ctx.service, 'team-a', study.studyId, { limits: { parallelism: 41 } }));
    const after = await ctx.store.getStudy('team-a', study.studyId);

    // Assess
    expect(issues).toEqual([{ path: 'limits.parallelism', message: expect.stringContaining('at most 40') }]);
    expect(after!.spec.limits.parallelism).toBe(8);
    expect(after!.version).toBe(study.version);
  });
});
