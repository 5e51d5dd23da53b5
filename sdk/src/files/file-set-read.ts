// Reading a file set written by writeFileSetAtomic as ONE generation. The visible names are
// symlinks into `..data`, which a writer switches with one rename: a reader that opens the names
// one by one while a renewal switches `..data` could get the old key with the new certificate.
// So the reader resolves `..data` once and reads every file of the set from that generation; if
// the generation is removed under it (the writer's clean-up), it reads again from the new one.
// A name that is not a link into `..data` (a plain file an operator put there) is read as it is.
import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

const DATA_LINK = '..data';

/** Where each name's bytes are now: the current generation for links into ..data, else the name itself. */
function pathsOf(dir: string, names: readonly string[]): Map<string, string> {
  let generation: string | undefined;
  try {
    generation = join(dir, readlinkSync(join(dir, DATA_LINK)));
  } catch {
    generation = undefined;
  }
  const paths = new Map<string, string>();
  for (const name of names) {
    let path = join(dir, name);
    if (generation !== undefined) {
      try {
        if (lstatSync(path).isSymbolicLink() && readlinkSync(path) === join(DATA_LINK, name)) path = join(generation, name);
      } catch {
        // Missing: reading it reports ENOENT with the visible name below.
      }
    }
    paths.set(name, path);
  }
  return paths;
}

export type FileSetRead = Record<string, { ok: true; text: string } | { ok: false; error: NodeJS.ErrnoException }>;

/** Each of `names` in `dir`, all from one generation of the set (or the error reading it). */
export function readFileSetSync(dir: string, names: readonly string[]): FileSetRead {
  for (let attempt = 0; ; attempt++) {
    const out: FileSetRead = {};
    let vanished = false;
    for (const [name, path] of pathsOf(dir, names)) {
      try {
        out[name] = { ok: true, text: readFileSync(path, 'utf8') };
      } catch (error) {
        const errno = error as NodeJS.ErrnoException;
        if (errno.code === 'ENOENT' && path !== join(dir, name)) vanished = true;
        out[name] = { ok: false, error: errno };
      }
    }
    // A generation removed between resolving ..data and reading: the new one is complete by then.
    if (!vanished || attempt >= 2) return out;
  }
}
