import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
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

/** As `rung`, without blocking this process (a test that serves a port while the CLI runs). */
function rungAsync(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [path.join(root, 'bin/rung.mjs'), ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
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

describe('rung CLI, rough edges', () => {
  const oneLine = (stderr: string) => stderr.split('\n').filter((l) => l.trim() !== '' && !l.includes('JsonCodec2'));

  it('refuses a --data folder that does not exist for every command that reads studies, and creates none (exit 2)', () => {
    // Prepare
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rung-cli-'));
    const data = path.join(dir, 'typo');
    const commands = [
      ['status'],
      ['status', 's-1'],
      ['trials', 's-1'],
      ['importance', 's-1'],
      ['pareto', 's-1'],
      ['report', 's-1'],
      ['export', 's-1'],
    ];
    // Act
    const results = commands.map((c) => rung(...c, '--data', data));
    const notRung = rung('status', '--data', dir);
    // Assess
    for (const res of results) {
      expect(res.code, res.stderr).toBe(2);
      expect(oneLine(res.stderr)).toEqual([
        `no rung data folder at ${data}: \`rung run <spec> --data ${data}\` or \`rung serve --data ${data}\` creates one`,
      ]);
    }
    expect(existsSync(data)).toBe(false);
    expect(notRung.code).toBe(2);
    expect(notRung.stderr).toContain(`${dir} is not a rung data folder (no db/ in it)`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('ends on one line for a --port that is not a port (exit 2)', () => {
    // Act
    const word = rung('serve', '--port', 'abc', '--data', path.join(os.tmpdir(), 'rung-never-created'));
    const big = rung('run', 'test/fixtures/cli-run.json', '--port', '70000');
    // Assess
    for (const res of [word, big]) {
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(/^error: option '--port <port>' argument '\w+' is invalid\. a port is a whole number from 0 to 65535\./);
      expect(res.stderr).not.toMatch(/\n\s+at /);
    }
    expect(existsSync(path.join(os.tmpdir(), 'rung-never-created'))).toBe(false);
  });

  it('ends on one line for a --port in use (exit 1)', async () => {
    // Prepare: something else holds the port.
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as net.AddressInfo).port;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rung-cli-'));
    try {
      // Act
      const serve = await rungAsync('serve', '--port', String(port), '--data', path.join(dir, 'a'));
      const run = await rungAsync('run', 'test/fixtures/cli-run.json', '--port', String(port), '--data', path.join(dir, 'b'), '--json');
      // Assess
      expect(serve.code).toBe(1);
      expect(oneLine(serve.stderr)).toEqual([`port ${port} on 127.0.0.1 is in use (--port): stop what holds it or choose another port`]);
      expect(run.code).toBe(1);
      expect(JSON.parse(oneLine(run.stderr)[0])).toEqual({
        error: { code: 'PortInUse', message: `port ${port} on 127.0.0.1 is in use (--port): stop what holds it or choose another port` },
      });
      expect(run.stdout).toBe('');
    } finally {
      holder.close();
    }
  });

  it('ends on one line for a read-only data folder (exit 1)', () => {
    // Prepare: a rung data folder (db/ in it) that this user cannot write; root writes anywhere, so it runs as nobody.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rung-cli-'));
    const data = path.join(dir, 'data');
    mkdirSync(path.join(data, 'db'), { recursive: true });
    chmodSync(dir, 0o755);
    chmodSync(path.join(data, 'db'), 0o555);
    chmodSync(data, 0o555);
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const run = (...args: string[]) => {
      const res = spawnSync(process.execPath, [path.join(root, 'bin/rung.mjs'), ...args], {
        cwd: os.tmpdir(),
        encoding: 'utf8',
        env: { ...process.env, NODE_NO_WARNINGS: '1', HOME: os.tmpdir() },
        ...asNobody,
      });
      return { code: res.status, stdout: res.stdout, stderr: res.stderr };
    };
    // Act
    const status = run('status', '--data', data);
    const create = run('run', path.join(root, 'test/fixtures/cli-run.json'), '--data', path.join(data, 'new'));
    // Assess
    expect(status.code, status.stderr).toBe(1);
    expect(oneLine(status.stderr)).toEqual([
      `cannot write to the data folder ${data} (read-only): rung keeps its database and its lock there`,
    ]);
    expect(create.code, create.stderr).toBe(1);
    expect(oneLine(create.stderr)).toEqual([`cannot create the data folder ${path.join(data, 'new')} (read-only)`]);
  });

  it("prints errors under --json as the API's error envelope, one line on stderr, and says so in the help", () => {
    // Prepare: an empty rung data folder.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rung-cli-'));
    const data = path.join(dir, 'data');
    mkdirSync(path.join(data, 'db'), { recursive: true });
    // Act
    const missing = rung('trials', 's-1', '--data', path.join(dir, 'typo'), '--json');
    const notFound = rung('status', 's-nope', '--data', data, '--json');
    const unknown = rung('status', '--bogus', '--json');
    const badSpec = rung('run', 'does-not-exist.yaml', '--data', data, '--json');
    const help = rung('--help');
    const statusHelp = rung('status', '--help');
    // Assess
    for (const res of [missing, notFound, unknown, badSpec]) {
      expect(res.stdout).toBe('');
      expect(oneLine(res.stderr)).toHaveLength(1);
    }
    expect(missing.code).toBe(2);
    expect(JSON.parse(oneLine(missing.stderr)[0])).toEqual({
      error: {
        code: 'InvalidInput',
        message: expect.stringContaining(`no rung data folder at ${path.join(dir, 'typo')}`),
        details: [{ path: '--data', message: expect.stringContaining('creates one') }],
      },
    });
    expect(notFound.code).toBe(1);
    expect(JSON.parse(oneLine(notFound.stderr)[0])).toEqual({ error: { code: 'NotFound', message: expect.any(String) } });
    expect(unknown.code).toBe(2);
    expect(JSON.parse(oneLine(unknown.stderr)[0])).toEqual({ error: { code: 'InvalidInput', message: "unknown option '--bogus'" } });
    expect(badSpec.code).toBe(2);
    expect(JSON.parse(oneLine(badSpec.stderr)[0])).toEqual({
      error: {
        code: 'InvalidInput',
        message: 'invalid input',
        details: [{ path: '', message: 'cannot read does-not-exist.yaml: ENOENT' }],
      },
    });
    expect(help.stdout).toContain("an error is one line on stderr in the API's error\nenvelope");
    expect(statusHelp.stdout).toContain('{"error":{"code","message","details"}} on stderr');
  });
});
