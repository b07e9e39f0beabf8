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

function rung(...args: string[]) {
  const res = spawnSync(process.execPath, [path.join(root, 'bin/rung.mjs'), ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, NODE_NO_WARNINGS: '1' } });
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
      for (let step = 1; step <= 3; step++) await runtime.request('POST', `/studies/${studyId}/trials/${trial.trialId}/measurements`, { step, metrics: { loss: trial.params.x / step } });
      await runtime.request('POST', `/studies/${studyId}/trials/${trial.trialId}/complete`, i === 3 ? { infeasible: true, reason: 'no, "really"' } : {});
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

  it('exports JSON lines with each trial and its measurements', () => {
    const out = path.join(dir, 'trials.jsonl');
    const res = rung('export', studyId, '--data', data, '--format', 'jsonl', '--out', out);
    expect(res.code, res.stderr).toBe(0);
    const trials = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(trials.map((t) => t.trialId)).toEqual(['0', '1', '2', '3']);
    expect(trials[0]).toMatchObject({ studyId, state: 'COMPLETE', measurements: [{ step: 1 }, { step: 2 }, { step: 3 }] });
    expect(rung('export', 'nope', '--data', data).code).toBe(1);
  });

  it('quotes CSV cells with commas, quotes and newlines', () => {
    const csv = trialsCsv({
      study: { spec: { parameters: { k: {} } } } as never,
      trials: [{ trialId: '0', number: 0, state: 'FAILED', error: 'a,b\n"c"', params: { k: 'x,y' } } as never],
      measurements: {},
    });
    expect(csv).toBe('trialId,number,state,bracket,rung,resource,value,startedAt,endedAt,error,params.k\n0,0,FAILED,,,,,,,"a,b\n""c""","x,y"\n');
  });
});
