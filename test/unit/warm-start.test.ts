import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../shared/errors.js';
import { readAll } from '../../shared/store/port.js';
import { createStudy, reportMeasurement } from '../../shared/study/service.js';
import { observe, plan, startTrial, suggest } from '../../shared/study/workflow.js';
import { memoryContexts } from '../support/contexts.js';

const spec = (extra: Record<string, unknown> = {}) => ({
  name: 'warm',
  objective: { metric: 'acc', goal: 'maximize' },
  parameters: { x: { type: 'float', min: 0, max: 1 } },
  strategy: { scheduler: { type: 'fifo', max: 1 }, seed: 9, ...extra },
  limits: { maxTrials: 6, parallelism: 2 },
  trial: { command: ['train'] },
});

/** Runs a fifo study's single rung by hand: every trial reports acc = x. */
async function runAll(ctx: ReturnType<typeof memoryContexts>, studyId: string) {
  await plan(ctx.steps, { team: 't', studyId });
  const rung = await suggest(ctx.steps, { team: 't', studyId, bracket: 0 });
  for (const slot of rung.trials) {
    const started = await startTrial(ctx.steps, slot);
    const x = JSON.parse(started.job!.env.RUNG_PARAMS).x as number;
    await reportMeasurement(ctx.service, 't', studyId, slot.trialId, { step: 1, metrics: { acc: x } });
    await observe(ctx.steps, slot);
  }
}

describe('warm starts from earlier studies', () => {
  it("runs the earlier study's best configurations first", async () => {
    // Prepare
    const ctx = memoryContexts();
    const earlier = await createStudy(ctx.service, 't', spec(), undefined);
    await runAll(ctx, earlier.studyId);
    const earlierTrials = await readAll((p) => ctx.store.listTrials('t', earlier.studyId, p));
    const best = [...earlierTrials]
      .sort((a, b) => b.value! - a.value!)
      .slice(0, 2)
      .map((t) => t.params);
    // Act
    const next = await createStudy(ctx.service, 't', spec({ warmStart: { studies: [earlier.studyId], topK: 2 }, seed: 10 }), undefined);
    await runAll(ctx, next.studyId);
    // Assess
    const trials = await readAll((p) => ctx.store.listTrials('t', next.studyId, p));
    expect(trials.slice(0, 2).map((t) => t.params)).toEqual(best);
    expect(trials.slice(2).every((t) => !best.some((b) => b.x === t.params.x))).toBe(true);
  });

  it("refuses an unknown study or another team's, naming the field", async () => {
    const ctx = memoryContexts();
    const theirs = await createStudy(ctx.service, 'other-team', spec(), undefined);
    const attempt = createStudy(ctx.service, 't', spec({ warmStart: { studies: ['nope', theirs.studyId] } }), undefined);
    await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
    await expect(attempt).rejects.toMatchObject({
      issues: [
        { path: 'strategy.warmStart.studies.0', message: 'no study nope' },
        { path: 'strategy.warmStart.studies.1', message: `no study ${theirs.studyId}` },
      ],
    });
    expect((await ctx.store.listStudies('t')).items).toEqual([]);
  });
});
