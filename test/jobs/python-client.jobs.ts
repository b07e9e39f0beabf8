import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { root, torchPython } from './support.js';

describe('the Python trainer client (rung_trainer)', () => {
  it('passes its unit tests (test/jobs/python)', () => {
    const run = spawnSync(torchPython(), ['-m', 'unittest', 'discover', '-s', 'test/jobs/python', '-p', 'test_*.py'], {
      cwd: root,
      env: { ...process.env, PYTHONPATH: path.join(root, 'jobs') },
      encoding: 'utf8',
    });
    expect(run.status, run.stderr + run.stdout).toBe(0);
    expect(run.stderr).toMatch(/^OK$/m);
  });
});
