import { readFile } from 'node:fs/promises';
import { parse, YAMLParseError } from 'yaml';
import { InvalidInputError } from '../shared/errors.js';
import { parseStudySpec, type StudySpec } from '../shared/study/spec.js';

/** Reads a study spec file (YAML or JSON: YAML is a superset) without validating it. */
export async function readSpecFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new InvalidInputError([
      { path: '', message: `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` },
    ]);
  }
  try {
    return parse(text, { prettyErrors: true, maxAliasCount: 100 });
  } catch (e) {
    if (e instanceof YAMLParseError) {
      const at = e.linePos?.[0];
      throw new InvalidInputError(
        [{ path: at ? `line ${at.line}, column ${at.col}` : '', message: e.message.split('\n')[0] }],
        'not valid YAML',
      );
    }
    throw e;
  }
}

export async function loadSpecFile(file: string): Promise<{ raw: unknown; spec: StudySpec }> {
  const raw = await readSpecFile(file);
  return { raw, spec: parseStudySpec(raw) };
}
