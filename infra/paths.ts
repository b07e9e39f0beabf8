import { fileURLToPath } from 'node:url';

/** Absolute path of the repository root (infra/ sits one level below it). */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Absolute path of a file or folder given relative to the repository root. */
export function fromRoot(relativePath: string): string {
  return fileURLToPath(new URL(`../${relativePath}`, import.meta.url));
}
