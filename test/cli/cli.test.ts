import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

function rung(...args: string[]) {
  const res = spawnSync(process.execPath, [path.join(root, 'bin/rung.mjs'), ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, NODE_NO_WARNINGS: '1' } });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe('rung CLI', () => {
  it('validates the quickstart spec', () => {
    const res = rung('validate', 'examples/quickstart/study.yaml');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('valid (6 parameters, hyperband, up to 49 trials)');
  });

  it('prints every problem with its path and exits 2', () => {
    // Prepare
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rung-cli-'));
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(
      file,
      ['name: bad', 'objective: { metric: acc, goal: up }', 'parameters:', '  lr: { type: float, min: 0, max: 1, scale: log }', 'limits: { maxTrials: 1 }', 'trial: { command: [x] }'].join('\n'),
    );
    // Act
    const text = rung('validate', file);
    const json = rung('validate', file, '--json');
    // Assess
    expect(text.code).toBe(2);
    expect(text.stderr).toContain('objective.goal: Invalid option: expected one of "maximize"|"minimize"');
    expect(text.stderr).toContain('parameters.lr.min: log scale needs min > 0');
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({ valid: false, issues: expect.arrayContaining([{ path: 'parameters.lr.min', message: 'log scale needs min > 0' }]) });
  });

  it('names the line of a YAML syntax error', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rung-cli-'));
    const file = path.join(dir, 'broken.yaml');
    writeFileSync(file, 'name: x\nparameters: { lr: [1, 2\n');
    const res = rung('validate', file);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/line \d+, column \d+/);
  });

  it('runs a study on the embedded runtime, then reads it back from the database with status and trials', () => {
    // Prepare
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rung-cli-'));
    // Relative commands resolve from the spec's folder, as for a user's own spec.
    const spec = path.join(root, 'test/fixtures/cli-run.json');
    const data = path.join(dir, 'data');
    // Act
    const run = rung('run', spec, '--data', data, '--json');
    const { study } = JSON.parse(run.stdout);
    const status = rung('status', study.studyId, '--data', data, '--json');
    const trials = rung('trials', study.studyId, '--data', data, '--json');
    const list = rung('status', '--data', data);
    // Assess: trial 1 crashes by design, so the run exits 0 with one trial FAILED.
    expect(run.code, run.stderr).toBe(0);
    expect(study.state).toBe('COMPLETED');
    expect(JSON.parse(status.stdout)).toMatchObject({ studyId: study.studyId, state: 'COMPLETED', trialCounts: { COMPLETE: 1, FAILED: 1 } });
    const { utilization } = JSON.parse(status.stdout);
    expect(utilization.busySeconds).toBeGreaterThan(0);
    expect(utilization.busyFraction).toBeGreaterThan(0);
    expect(utilization.busyFraction).toBeLessThanOrEqual(1);
    expect(JSON.parse(trials.stdout).map((t: { trialId: string; state: string }) => [t.trialId, t.state])).toEqual([
      ['0', 'COMPLETE'],
      ['1', 'FAILED'],
    ]);
    expect(list.stdout).toContain(study.studyId);
  });

  it('reports a missing file as bad input', () => {
    const res = rung('validate', 'does-not-exist.yaml');
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('cannot read does-not-exist.yaml: ENOENT');
  });
});
