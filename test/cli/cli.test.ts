import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

function rung(...args: string[]) {
  const res = spawnSync(process.execPath, [path.join(root, 'bin/rung.mjs'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe('rung CLI', () => {
  it('prints the version of package.json with --version', () => {
    // Prepare
    const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
    // Act
    const res = rung('--version');
    // Assess
    expect(res.code).toBe(0);
    expect(res.stdout.trim()).toBe(version);
  });

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
      [
        'name: bad',
        'objective: { metric: acc, goal: up }',
        'parameters:',
        '  lr: { type: float, min: 0, max: 1, scale: log }',
        'limits: { maxTrials: 1 }',
        'trial: { command: [x] }',
      ].join('\n'),
    );
    // Act
    const text = rung('validate', file);
    const json = rung('validate', file, '--json');
    // Assess
    expect(text.code).toBe(2);
    expect(text.stderr).toContain('objective.goal: Invalid option: expected one of "maximize"|"minimize"');
    expect(text.stderr).toContain('parameters.lr.min: log scale needs min > 0');
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({
      valid: false,
      issues: expect.arrayContaining([{ path: 'parameters.lr.min', message: 'log scale needs min > 0' }]),
    });
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
    expect(JSON.parse(status.stdout)).toMatchObject({
      studyId: study.studyId,
      state: 'COMPLETED',
      trialCounts: { COMPLETE: 1, FAILED: 1 },
    });
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
  it('reports what creating the study would reject, with the same path and rule (exit 2)', () => {
    // Prepare: specs the schema accepts but `rung run` / POST /studies reject.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rung-cli-'));
    const base = {
      name: 'create-checks',
      objective: { metric: 'acc', goal: 'maximize' },
      parameters: { lr: { type: 'float', min: 0.001, max: 0.1 } },
      trial: { command: ['x'] },
    };
    const budget = path.join(dir, 'budget.json');
    writeFileSync(budget, JSON.stringify({ ...base, limits: { maxTrials: 4, maxCostUsd: 10 } }));
    const history = path.join(dir, 'history.json');
    writeFileSync(history, JSON.stringify({ ...base, strategy: { scheduler: { type: 'fifo', max: 2 } }, limits: { maxTrials: 5000 } }));
    // Act
    const budgetText = rung('validate', budget);
    const budgetJson = rung('validate', budget, '--json');
    const historyText = rung('validate', history);
    // Assess
    expect(budgetText.code).toBe(2);
    expect(budgetText.stderr).toContain('trial.secondsPerResource: is required with limits.maxCostUsd');
    expect(budgetJson.code).toBe(2);
    expect(JSON.parse(budgetJson.stdout)).toEqual({
      valid: false,
      issues: [expect.objectContaining({ path: 'trial.secondsPerResource' })],
    });
    expect(historyText.code).toBe(2);
    expect(historyText.stderr).toMatch(/limits\.maxTrials: one bracket would need about \d+ Step Functions history events/);
  });

  it('counts in the singular for one', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rung-cli-'));
    const file = path.join(dir, 'one.json');
    const spec = {
      name: 'one',
      objective: { metric: 'acc', goal: 'maximize' },
      parameters: { lr: { type: 'float', min: 0.001, max: 0.1 } },
      limits: { maxTrials: 1 },
      trial: { command: ['x'] },
    };
    writeFileSync(file, JSON.stringify(spec));
    const res = rung('validate', file);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/valid \(1 parameter, \w+, up to 1 trial\)/);
  });

  it('exits quietly when the reader closes the pipe early (`| head`)', async () => {
    // Act: the reader is gone before the CLI writes.
    const child = spawn(process.execPath, [path.join(root, 'bin/rung.mjs'), 'validate', '--json', 'examples/quickstart/study.yaml'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    // Assess
    expect(stderr).not.toContain('EPIPE');
    expect(code).toBe(0);
  });

  it('prints the follow-up commands with the --data it was given', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rung-cli-'));
    const data = path.join(dir, 'data');
    const run = rung('run', path.join(root, 'test/fixtures/cli-run.json'), '--data', data);
    expect(run.code, run.stderr).toBe(0);
    const studyId = /study (\S+):/.exec(run.stdout)![1];
    expect(run.stdout).toContain(`more: npx rung status ${studyId} --data ${data} · npx rung trials ${studyId} --data ${data}`);
  });
});
