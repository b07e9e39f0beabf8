import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { EnvironmentError, UsageError } from './errors.js';

const notWritable = new Set(['EACCES', 'EPERM', 'EROFS']);

function writable(dir: string, shown: string): void {
  try {
    accessSync(dir, constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    throw new EnvironmentError(
      'DataFolderNotWritable',
      `cannot write to the data folder ${shown} (${notWritable.has(code) ? 'read-only' : code}): rung keeps its database and its lock there`,
      { cause: e },
    );
  }
}

/**
 * The `--data` folder of a command, resolved and checked before the embedded runtime opens it:
 * a command that creates studies (`run`, `serve`) may create the folder; any other one needs an
 * existing rung data folder, so that a mistyped `--data` is an error and not a new empty database.
 */
export function dataFolder(data: string, mode: 'create' | 'existing'): string {
  const dir = path.resolve(data);
  if (!existsSync(dir)) {
    if (mode === 'existing')
      throw new UsageError(
        '--data',
        `no rung data folder at ${dir}: \`rung run <spec> --data ${data}\` or \`rung serve --data ${data}\` creates one`,
      );
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      if (code === 'ENOTDIR') throw new UsageError('--data', `cannot create the data folder ${dir}: a file is in its path`);
      throw new EnvironmentError(
        'DataFolderNotWritable',
        `cannot create the data folder ${dir} (${notWritable.has(code) ? 'read-only' : code})`,
        { cause: e },
      );
    }
    return dir;
  }
  if (!statSync(dir).isDirectory()) throw new UsageError('--data', `the data folder ${dir} is a file, not a folder`);
  const rung = ['db', 'credentials.json', 'server.json'].some((f) => existsSync(path.join(dir, f)));
  if (mode === 'existing' && !rung)
    throw new UsageError(
      '--data',
      `${dir} is not a rung data folder (no db/ in it): \`rung run <spec> --data ${data}\` or \`rung serve --data ${data}\` creates one`,
    );
  writable(dir, dir);
  if (existsSync(path.join(dir, 'db'))) writable(path.join(dir, 'db'), dir);
  return dir;
}
