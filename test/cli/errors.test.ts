import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { dataFolder } from '../../cli/data-dir.js';
import { ApiAnswerError, EnvironmentError, errorEnvelope, errorText, exitCodeOf, listenError, UsageError } from '../../cli/errors.js';
import { parsePort } from '../../cli/options.js';
import { InvalidInputError } from '../../shared/errors.js';

describe('CLI errors', () => {
  it('parses --port as a whole number from 0 to 65535', () => {
    expect(parsePort('8787')).toBe(8787);
    expect(parsePort('0')).toBe(0);
    for (const bad of ['abc', '', '-1', '1.5', '70000', '0x10']) expect(() => parsePort(bad)).toThrow(InvalidArgumentError);
  });

  it("renders every error in the API's envelope, with the exit code of its kind", () => {
    // Prepare
    const invalid = new InvalidInputError([{ path: 'limits.maxTrials', message: 'must be positive' }], 'invalid study spec');
    const usage = new UsageError('--data', 'no rung data folder at /x');
    const port = listenError(Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' }), 8787);
    const api = new ApiAnswerError(404, { error: { code: 'NotFound', message: 'study s-1 not found' } });
    // Act / Assess
    expect(errorEnvelope(invalid)).toEqual({
      error: { code: 'InvalidInput', message: 'invalid study spec', details: [{ path: 'limits.maxTrials', message: 'must be positive' }] },
    });
    expect(errorEnvelope(usage)).toEqual({
      error: {
        code: 'InvalidInput',
        message: 'no rung data folder at /x',
        details: [{ path: '--data', message: 'no rung data folder at /x' }],
      },
    });
    expect(port).toBeInstanceOf(EnvironmentError);
    expect(errorEnvelope(port)).toEqual({
      error: { code: 'PortInUse', message: expect.stringContaining('port 8787 on 127.0.0.1 is in use') },
    });
    expect(errorEnvelope(api)).toEqual({ error: { code: 'NotFound', message: 'study s-1 not found' } });
    expect(errorEnvelope(new Error('boom'))).toEqual({ error: { code: 'Failed', message: 'boom' } });
    expect([invalid, usage, port, api, new ApiAnswerError(400, {}), new Error('boom')].map(exitCodeOf)).toEqual([2, 2, 1, 1, 2, 1]);
    expect(errorText(usage)).toEqual(['no rung data folder at /x']);
    expect(errorText(invalid)).toEqual(['invalid study spec', '  limits.maxTrials: must be positive']);
  });

  it('checks the --data folder: created for run and serve, required for the other commands', () => {
    // Prepare
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rung-data-'));
    const rungFolder = path.join(dir, 'rung');
    mkdirSync(path.join(rungFolder, 'db'), { recursive: true });
    writeFileSync(path.join(dir, 'file'), '');
    // Act / Assess
    expect(() => dataFolder(path.join(dir, 'missing'), 'existing')).toThrow(UsageError);
    expect(() => dataFolder(dir, 'existing')).toThrow(/is not a rung data folder/);
    expect(() => dataFolder(path.join(dir, 'file'), 'existing')).toThrow(/is a file, not a folder/);
    expect(() => dataFolder(path.join(dir, 'file', 'sub'), 'create')).toThrow(/a file is in its path/);
    expect(dataFolder(rungFolder, 'existing')).toBe(rungFolder);
    expect(dataFolder(path.join(dir, 'new', 'deeper'), 'create')).toBe(path.join(dir, 'new', 'deeper'));
  });
});
