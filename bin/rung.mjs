#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader, so that `npx rung` works from a clone without a build step.
//
// The CLI runs as a child process that this wrapper stands in for: it forwards SIGINT, SIGTERM and
// SIGHUP to it (`rung run` stops its study on the first and exits at once on the second), and ends
// as the child ended, with its exit code or by its signal.
//
// The child is the leader of its own session (detached), so that a Ctrl-C in the terminal reaches it
// once, through this wrapper, and not a second time directly from the terminal (which signals the
// whole foreground process group). It runs node with tsx's loader rather than the tsx CLI, whose
// own signal relay kills a child that does not acknowledge a signal within 30 ms.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const loader = pathToFileURL(require.resolve('tsx')).href;
const main = fileURLToPath(new URL('../cli/main.ts', import.meta.url));
const groups = process.platform !== 'win32';
const child = spawn(process.execPath, ['--import', loader, main, ...process.argv.slice(2)], {
  stdio: 'inherit',
  detached: groups,
});

const forwarded = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const forward = (signal) => {
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
};
for (const signal of forwarded) process.on(signal, forward);

child.on('error', (error) => {
  console.error(`rung: could not start the CLI: ${error.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  for (const s of forwarded) process.off(s, forward);
  if (signal === null) process.exit(code ?? 1);
  // Killed before it could clean up (SIGKILL, or a signal it does not handle): the progress bar may
  // have hidden the cursor.
  if (process.stdout.isTTY) process.stdout.write('\x1b[?25h');
  // End by the same signal, so that a shell sees what the child saw; exit 128 + its number if that returns.
  try {
    process.kill(process.pid, signal);
  } catch {
    // an unknown signal name: fall through
  }
  setTimeout(() => process.exit(128 + (constants.signals[signal] ?? 0)), 100);
});
