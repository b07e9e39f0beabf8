import { describe, expect, it } from 'vitest';
import { memoryContexts } from '../support/contexts.js';
import { readAll } from '../../shared/store/port.js';
import { enqueueConfigs } from '../../shared/study/enqueue.js';
import { createStudy } from '../../shared/study/service.js';
import { plan, startTrial, suggest } from '../../shared/study/workflow.js';

/** A study with a cell parameter through the workflow steps (no embedded runtime): suggest, job, enqueue. */
const spec = {
  name: 'cell-study',
  objective: { metric: 'acc', goal: 'maximize' },
  parameters: {
    cell: { type: 'cell', nodes: 4, ops: ['none', 'skip', 'conv3x3'] },
    lr: { type: 'float', min: 0.001, max: 0.1, scale: 'log' },
  },
  strategy: { sampler: 'evolution', scheduler: { type: 'fifo', max: 1 }, seed: 5 },
  limits: { maxTrials: 4, parallelism: 4 },
  trial: { command: ['train'] },
};

describe('a study over a cell space', () => {
  it('gives jobs the edge dimensions and the NAS-Bench-201 string, and takes a trial back through enqueue', async () => {
    // Prepare
    const ctx = memoryContexts();
    const study = await createStudy(ctx.service, 'team-a', spec, undefined);
    await plan(ctx.steps, study);
    const rung = await suggest(ctx.steps, { team: 'team-a', studyId: study.studyId, bracket: 0 });
    // Act
    const job = await startTrial(ctx.steps, rung.trials[0]);
    const params = JSON.parse(job.job!.env.RUNG_PARAMS);
    const trials = await readAll((p) => ctx.service.store.listTrials('team-a', study.studyId, p));
    const accepted = await enqueueConfigs(ctx.service, 'team-a', study.studyId, { configs: [trials[1].params] });
    const cut = { ...trials[1].params, 'cell.e0_1': 'none', 'cell.e0_2': 'none', 'cell.e0_3': 'none' };
    delete (cut as Record<string, unknown>).cell;
    // Assess
    expect(params.cell).toMatch(/^\|\w+~0\|\+\|\w+~0\|\w+~1\|\+\|\w+~0\|\w+~1\|\w+~2\|$/);
    expect(params.cell.startsWith(`|${params['cell.e0_1']}~0|`)).toBe(true);
    expect(accepted.waiting).toBe(1);
    await expect(enqueueConfigs(ctx.service, 'team-a', study.studyId, { configs: [cut] })).rejects.toMatchObject({
      issues: [
        { path: 'configs.0.cell', message: 'has no path from the input (node 0) to the output (node 3) through connecting operations' },
      ],
    });
  });

  it('gives a job the enqueued cell whether it was given by its string or by its edges', async () => {
    // Prepare
    const ctx = memoryContexts();
    const study = await createStudy(ctx.service, 'team-a', spec, undefined);
    await plan(ctx.steps, study);
    const rung = await suggest(ctx.steps, { team: 'team-a', studyId: study.studyId, bracket: 0 });
    const byString = { cell: '|conv3x3~0|+|skip~0|none~1|+|none~0|none~1|conv3x3~2|', lr: 0.01 };
    const byEdges = {
      'cell.e0_1': 'skip',
      'cell.e0_2': 'none',
      'cell.e1_2': 'none',
      'cell.e0_3': 'conv3x3',
      'cell.e1_3': 'none',
      'cell.e2_3': 'none',
      lr: 0.02,
    };
    // Act
    await enqueueConfigs(ctx.service, 'team-a', study.studyId, { configs: [byString, byEdges] });
    const jobs = [await startTrial(ctx.steps, rung.trials[0]), await startTrial(ctx.steps, rung.trials[1])];
    const [first, second] = jobs.map((j) => JSON.parse(j.job!.env.RUNG_PARAMS));
    // Assess
    expect(first).toMatchObject({ ...byString, 'cell.e0_1': 'conv3x3', 'cell.e0_2': 'skip', 'cell.e1_2': 'none', 'cell.e2_3': 'conv3x3' });
    expect(second).toEqual({ ...byEdges, cell: '|skip~0|+|none~0|none~1|+|conv3x3~0|none~1|none~2|' });
  });

  it('rejects a cell that cannot be sampled when the study is created', async () => {
    // Act / Assess
    await expect(
      createStudy(memoryContexts().service, 'team-a', { ...spec, parameters: { cell: { type: 'cell', nodes: 4, ops: [] } } }, undefined),
    ).rejects.toMatchObject({
      issues: expect.arrayContaining([{ path: 'parameters.cell.ops', message: 'must list at least one operation' }]),
    });
  });
});
