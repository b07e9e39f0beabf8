import { readFileSync } from 'node:fs';
import path from 'node:path';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';

/**
 * The training image cannot be built here (no Docker), so its Dockerfile is linted instead:
 * dockerfile-utils is the validator of the Docker language server (hadolint is not installable
 * offline), plus the few hadolint rules that matter for a reproducible, signal-safe job image.
 */
const dockerfile = readFileSync(path.resolve(import.meta.dirname, '../../jobs/Dockerfile'), 'utf8');

function houseRules(text: string): string[] {
  const problems: string[] = [];
  const instructions = text.split('\n').filter((l) => /^[A-Z]+\s/.test(l));
  for (const from of instructions.filter((l) => l.startsWith('FROM '))) {
    if (!/:[\w.-]+/.test(from) || /:latest\b/.test(from)) problems.push(`DL3007 pin the base image tag: ${from}`);
  }
  for (const run of instructions.filter((l) => l.startsWith('RUN ') && /pip install/.test(l))) {
    if (/pip install (?!.*["'][\w-]+[<>=~]=?)/.test(run)) problems.push(`DL3013 pin pip versions: ${run}`);
  }
  // Shell-form ENTRYPOINT runs under /bin/sh -c, which does not forward SIGTERM to the trainer.
  for (const ep of instructions.filter((l) => l.startsWith('ENTRYPOINT ')))
    if (!/^ENTRYPOINT \[/.test(ep)) problems.push(`DL3025 exec form: ${ep}`);
  return problems;
}

describe('jobs/Dockerfile', () => {
  it('has no diagnostics from the Dockerfile validator', () => {
    expect(validate(dockerfile).map((d) => `line ${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it('keeps the house rules: pinned base image and pip packages, exec-form ENTRYPOINT', () => {
    expect(houseRules(dockerfile)).toEqual([]);
  });

  it('would catch the problems it looks for', () => {
    // Prepare: a Dockerfile with one problem of each kind.
    const bad = 'FROM pytorch/pytorch:latest\nRUN pip install boto3\nENTRYPOINT python -m rung_trainer.entrypoint\nCMD ["a"]\nCMD ["b"]\n';
    // Act
    const found = [...validate(bad).map((d) => d.message), ...houseRules(bad)];
    // Assess
    expect(found).toEqual([
      'There can only be one CMD instruction in a Dockerfile or build stage. Only the last one will have an effect.',
      'DL3007 pin the base image tag: FROM pytorch/pytorch:latest',
      'DL3013 pin pip versions: RUN pip install boto3',
      'DL3025 exec form: ENTRYPOINT python -m rung_trainer.entrypoint',
    ]);
  });
});
