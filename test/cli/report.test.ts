import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { trialsCsv } from '../../cli/export.js';
import { startEmbedded } from '../../runtime/embedded.js';

/** `rung report` and `rung export` on a study in a data folder (an ask/tell study: quick to make). */
const root = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'rung-report-'));
const data = path.join(dir, 'data');
let studyId: string;
/** A study under a latency constraint that tracks a metric besides: trial 1 breaks the constraint. */
let constrainedId: string;

function rung(...args: string[]) {
  const res = spawnSync(process.execPath, [path.join(root, 'bin/rung.mjs'), ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

beforeAll(async () => {
  const runtime = await startEmbedded({ dataDir: data, listen: false });
  try {
    const created = await runtime.request('POST', '/studies', {
      name: 'report-study',
      objective: { metric: 'loss', goal: 'minimize' },
      parameters: { x: { type: 'float', min: 0, max: 1 }, kind: { type: 'categorical', values: ['a', 'b,c'] } },
      strategy: { execution: 'external', seed: 2, scheduler: { type: 'successive_halving', min: 1, max: 3, eta: 3 } },
      limits: { maxTrials: 4 },
      trial: { command: ['worker'] },
    });
    studyId = created.body.studyId;
    for (let i = 0; i < 4; i++) {
      const { trial } = (await runtime.request('POST', `/studies/${studyId}/trials/suggest`, { clientId: 'w' })).body;
      for (let step = 1; step <= 3; step++)
        await runtime.request('POST', `/studies/${studyId}/trials/${trial.trialId}/measurements`, {
          step,
          metrics: { loss: trial.params.x / step },
        });
      await runtime.request(
        'POST',
        `/studies/${studyId}/trials/${trial.trialId}/complete`,
        i === 3 ? { infeasible: true, reason: 'no, "really"' } : {},
      );
    }
    const constrained = await runtime.request('POST', '/studies', {
      name: 'constrained-study',
      objective: { metric: 'loss', goal: 'minimize' },
      constraints: [{ metric: 'latency_ms', max: 10 }],
      parameters: { x: { type: 'float', min: 0, max: 1 } },
      strategy: { execution: 'external', seed: 3, scheduler: { type: 'fifo', max: 1 } },
      limits: { maxTrials: 2 },
      trial: { command: ['worker'], metrics: ['latency_ms', 'params_m'] },
    });
    if (constrained.status !== 201) throw new Error(JSON.stringify(constrained.body));
    constrainedId = constrained.body.studyId;
    for (let i = 0; i < 2; i++) {
      const { trial } = (await runtime.request('POST', `/studies/${constrainedId}/trials/suggest`, { clientId: 'w' })).body;
      const metrics = { loss: 0.5 + i, latency_ms: i === 0 ? 5 : 20, params_m: 3 };
      await runtime.request('POST', `/studies/${constrainedId}/trials/${trial.trialId}/complete`, { step: 1, metrics });
    }
  } finally {
    await runtime.close();
  }
});

describe('rung report and rung export', () => {
  it('writes a self-contained HTML report with every chart as inline SVG and the tables', () => {
    const out = path.join(dir, 'report.html');
    const res = rung('report', studyId, '--data', data, '--out', out);
    expect(res.code, res.stderr).toBe(0);
    const html = readFileSync(out, 'utf8');
    for (const id of ['history', 'curves', 'timeline', 'parallel', 'importance', 'best']) expect(html).toContain(`id="view-${id}"`);
    expect(html.match(/<svg /g)).toHaveLength(5);
    // Self-contained: no script, no external reference.
    expect(html).not.toMatch(/<script|<link|src="http|href="http/);
    expect(html).toContain('<h1>report-study');
    expect(html).toContain('best so far (3 epoch)');
    expect((html.match(/<tr data-trial-id=/g) ?? []).length).toBe(3);
  });

  it('exports CSV with a column per parameter, quoting what needs it', () => {
    const res = rung('export', studyId, '--data', data, '--format', 'csv');
    expect(res.code, res.stderr).toBe(0);
    const lines = res.stdout.trim().split('\n');
    expect(lines[0]).toBe('trialId,number,state,bracket,rung,resource,value,startedAt,endedAt,error,params.x,params.kind');
    expect(lines).toHaveLength(5);
    expect(lines[4]).toContain('INFEASIBLE');
    expect(lines[4]).toContain('"no, ""really"""');
  });

  it('exports a column per tracked metric and feasible for a study with constraints', () => {
    // Act
    const res = rung('export', constrainedId, '--data', data, '--format', 'csv');
    // Assess
    expect(res.code, res.stderr).toBe(0);
    const [head, ...rows] = res.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(','));
    expect(head).toEqual([
      ...'trialId,number,state,bracket,rung,resource,value,startedAt,endedAt,error'.split(','),
      'metrics.loss',
      'metrics.latency_ms',
      'metrics.params_m',
      'feasible',
      'params.x',
    ]);
    const cell = (row: string[], column: string) => row[head.indexOf(column)];
    expect(
      rows.map((r) => [
        cell(r, 'state'),
        cell(r, 'metrics.loss'),
        cell(r, 'metrics.latency_ms'),
        cell(r, 'metrics.params_m'),
        cell(r, 'feasible'),
      ]),
    ).toEqual([
      ['COMPLETE', '0.5', '5', '3', 'true'],
      ['INFEASIBLE', '1.5', '20', '3', 'false'],
    ]);
  });

  it('exports JSON lines with each trial and its measurements', () => {
    const out = path.join(dir, 'trials.jsonl');
    const res = rung('export', studyId, '--data', data, '--format', 'jsonl', '--out', out);
    expect(res.code, res.stderr).toBe(0);
    const trials = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(trials.map((t) => t.trialId)).toEqual(['0', '1', '2', '3']);
    expect(trials[0]).toMatchObject({ studyId, state: 'COMPLETE', measurements: [{ step: 1 }, { step: 2 }, { step: 3 }] });
    expect(rung('export', 'nope', '--data', data).code).toBe(1);
  });

  it('exports JSON lines that carry the tracked metrics and feasibility', () => {
    // Act
    const res = rung('export', constrainedId, '--data', data, '--format', 'jsonl');
    // Assess
    expect(res.code, res.stderr).toBe(0);
    const trials = res.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(trials[1]).toMatchObject({
      state: 'INFEASIBLE',
      metrics: { loss: 1.5, latency_ms: 20, params_m: 3 },
      feasible: false,
      violation: 1,
    });
  });

  it('exports phase and source for a study with a retraining phase, "search" for its search trials', () => {
    // Prepare
    const study = {
      spec: { parameters: { lr: {} }, objective: { metric: 'acc', goal: 'maximize' }, trial: { command: ['x'] }, retrain: { topK: 1 } },
    };
    const trials = [
      { trialId: '0', number: 0, state: 'COMPLETE', value: 0.8, params: { lr: 0.1 } },
      { trialId: '1', number: 1, state: 'RUNNING', params: { lr: 0.1 }, phase: 'retrain', source: '0' },
    ];
    // Act
    const csv = trialsCsv({ study: study as never, trials: trials as never, measurements: {} });
    // Assess
    expect(csv).toBe(
      'trialId,number,state,bracket,rung,resource,value,startedAt,endedAt,error,phase,source,params.lr\n0,0,COMPLETE,,,,0.8,,,,search,,0.1\n1,1,RUNNING,,,,,,,,retrain,0,0.1\n',
    );
  });

  it('quotes CSV cells with commas, quotes and newlines', () => {
    const csv = trialsCsv({
      study: { spec: { parameters: { k: {} }, objective: { metric: 'acc', goal: 'maximize' }, trial: { command: ['x'] } } } as never,
      trials: [{ trialId: '0', number: 0, state: 'FAILED', error: 'a,b\n"c"', params: { k: 'x,y' } } as never],
      measurements: {},
    });
    expect(csv).toBe(
      'trialId,number,state,bracket,rung,resource,value,startedAt,endedAt,error,params.k\n0,0,FAILED,,,,,,,"a,b\n""c""","x,y"\n',
    );
  });
});
