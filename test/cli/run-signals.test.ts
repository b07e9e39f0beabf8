import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const env = { ...process.env, NODE_NO_WARNINGS: '1' };

/** The pids that the jobs of a run printed to their logs (`job pid N helper pid M`). */
function jobPids(data: string): number[] {
  const logs = path.join(data, 'logs');
  if (!existsSync(logs)) return [];
  return readdirSync(logs).flatMap((f) => [...readFileSync(path.join(logs, f), 'utf8').matchAll(/pid (\d+)/g)].map((m) => Number(m[1])));
}

/** Alive, and not a zombie waiting to be reaped (a killed process whose parent has gone). */
function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    if (existsSync('/proc/self/stat')) return false;
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

async function until(what: string, check: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts `rung run <spec>` through the bin wrapper, waits until both jobs of the study run. */
async function startRun(spec: string) {
  const data = mkdtempSync(path.join(os.tmpdir(), 'rung-signals-'));
  const child = spawn(process.execPath, [path.join(root, 'bin/rung.mjs'), 'run', spec, '--data', data], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  // Each job prints its pid and its helper's: two jobs (parallelism 2), four pids.
  await until('two running jobs', () => jobPids(data).length >= 4);
  return { child, data, exited, output: () => output };
}

function storedStudy(data: string) {
  const res = spawnSync(process.execPath, [path.join(root, 'bin/rung.mjs'), 'status', '--json', '--data', data], {
    cwd: root,
    env,
    encoding: 'utf8',
  });
  expect(res.status, res.stderr).toBe(0);
  const items = (JSON.parse(res.stdout) as { items: { studyId: string; state: string }[] }).items;
  expect(items).toHaveLength(1);
  return items[0];
}

describe('rung run, interrupted', () => {
  it('stops the study on SIGTERM to the wrapper: jobs terminated, study STOPPED, exit 143', { timeout: 40_000 }, async () => {
    // Prepare: a study whose jobs run until they are stopped, both of them running.
    const run = await startRun(path.join(root, 'test/fixtures/cli-stop.json'));
    const pids = jobPids(run.data);
    expect(pids.every(alive)).toBe(true);
    // Act
    run.child.kill('SIGTERM');
    const exit = await run.exited;
    // Assess: the wrapper ends as the CLI did, having stopped the study and its jobs (and what they started).
    expect(exit, run.output()).toEqual({ code: 143, signal: null });
    expect(pids.filter(alive)).toEqual([]);
    expect(run.output()).toMatch(/SIGTERM: stopping study \S+/);
    expect(run.output()).toMatch(/study \S+ STOPPED in/);
    expect(run.output()).toContain('more: npx rung status');
    expect(storedStudy(run.data).state).toBe('STOPPED');
  });

  it('kills jobs that ignore SIGTERM at a second signal, without waiting out their grace period', { timeout: 40_000 }, async () => {
    // Prepare: jobs that ignore SIGTERM (they would be waited for 30 s), both running, a first SIGINT sent.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rung-stubborn-'));
    const spec = JSON.parse(readFileSync(path.join(root, 'test/fixtures/cli-stop.json'), 'utf8')) as { trial: { command: string[] } };
    spec.trial.command = ['node', path.join(root, 'test/fixtures/jobs/sleeper.mjs'), '--ignore-sigterm'];
    writeFileSync(path.join(dir, 'spec.json'), JSON.stringify(spec));
    const run = await startRun(path.join(dir, 'spec.json'));
    const pids = jobPids(run.data);
    run.child.kill('SIGINT');
    await until('the stop to begin', () => run.output().includes('SIGINT: stopping study'));
    // Act
    const at = Date.now();
    run.child.kill('SIGINT');
    const exit = await run.exited;
    // Assess
    expect(exit, run.output()).toEqual({ code: 130, signal: null });
    expect(Date.now() - at).toBeLessThan(10_000);
    expect(pids.filter(alive)).toEqual([]);
    expect(storedStudy(run.data).state).toBe('STOPPED');
  });
});
