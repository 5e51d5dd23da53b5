// Paths in the repository, for tests and helpers wherever they stand: the built test lives at
// test/dist/<folder>/<name>.js, so every path is computed here once, from this file's place.
import { fileURLToPath } from 'node:url';

/** The repository's root folder, with a trailing slash. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A path inside the repository, e.g. repoPath('agent/dist/main.js'). */
export function repoPath(relative: string): string {
  return fileURLToPath(new URL(relative, new URL('../../../', import.meta.url)));
}
