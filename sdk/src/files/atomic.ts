// Atomic file writes (SPEC: temp file in the same folder, fsync, chmod, rename, fsync of the
// folder). Modes are exact from the moment a file exists: fchmod right after open, before any
// byte is written, so neither umask nor a race can leave a key readable by others.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, lstat, mkdir, open, readdir, readFile, readlink, rename, rm, stat, symlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { OtherixError } from '../errors.js';
import { passWriteStep } from './write-steps.js';

export interface FileSpec {
  name: string;
  data: string | Uint8Array;
  mode: number;
}

function writeFailed(what: string, error: unknown): OtherixError {
  const code = (error as { code?: string }).code;
  return new OtherixError(
    'file_write_failed',
    `cannot write ${what}${code ? ` (${code})` : ''}: ${(error as Error).message}; check the folder exists, its permissions and free space`,
    { cause: error },
  );
}

/** fsync of a folder, so a rename or link in it survives a crash. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Creates `path` exclusively with exactly `mode`, writes `data`, fsyncs. */
async function writeNewFile(path: string, data: string | Uint8Array, mode: number): Promise<void> {
  const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode & 0o777);
  try {
    await handle.chmod(mode & 0o777); // fchmod: the umask may have narrowed it; never wider than asked
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function suffix(): string {
  return randomBytes(6).toString('hex');
}

/** A new temp file's path beside `target`: `.<name>.tmp-<hex>`, a leftover removeWriteLeftovers knows. */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.tmp-${suffix()}`);
}

/** A temp file or link of an interrupted write: `.<name>.tmp-<hex>` (writeFileAtomic) or `.<name>.link-<hex>` (a set's visible link). */
const LEFTOVER = /^\.(.+)\.(tmp|link)-[0-9a-f]{12}$/;

function isLeftoverOf(entry: string, name?: string): boolean {
  const match = LEFTOVER.exec(entry);
  return match !== null && (name === undefined || match[1] === name);
}

/** The names in `dir`; none when it does not exist. */
export async function folderEntries(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return [];
    throw error;
  }
}

/** The leftovers of earlier interrupted writes of `name` (one writer per folder, so none is running). */
async function removeLeftoversOf(dir: string, name: string): Promise<void> {
  for (const entry of await folderEntries(dir)) {
    if (isLeftoverOf(entry, name)) await rm(join(dir, entry), { force: true });
  }
}

/**
 * Replaces `path` atomically: readers see the old content or the new one. A failure removes the
 * temp file; only a crash (kill -9, power loss) can leave a `.<name>.tmp-*` behind, and the next
 * write of the same name removes it.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: { mode: number }): Promise<void> {
  const dir = dirname(path);
  const temp = tempPathFor(path);
  try {
    await removeLeftoversOf(dir, basename(path));
    await writeNewFile(temp, data, options.mode);
    passWriteStep('after-temp-file');
    await rename(temp, path);
    await fsyncDir(dir);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw writeFailed(path, error);
  }
}

/*
 * File sets use Kubernetes' AtomicWriter layout, so a set of files (key, certificate, CA)
 * switches as one:
 *
 *   dir/..1764228000000-a1b2c3d4e5f6/   a generation: the real files, written then fsynced
 *   dir/..data -> ..1764228000000-...   the current generation (a relative symlink)
 *   dir/<name> -> ..data/<name>         the visible names, created once
 *
 * The switch is rename(2) of a temp symlink `..data_tmp` over `..data`: atomic, so a reader or a
 * crash sees the whole old set or the whole new one. Visible links are created BEFORE the switch
 * (dangling on a first write), so a new name appears exactly when ..data flips; names that are
 * still plain files are first adopted into a generation of their own (adoptUnlinkedNames). Old generations
 * are removed after the switch; leftovers of a crashed write (a generation, `..data_tmp`, temp
 * links) are removed by the next write, or by removeWriteLeftovers.
 * One writer per folder at a time.
 *
 * Each step between writes is passed to write-steps.ts's observer (none unless a program
 * installs one; the tests install one that exits there, to prove every step recoverable).
 */
const DATA_LINK = '..data';
const DATA_TEMP_LINK = '..data_tmp';

function isGenerationName(entry: string): boolean {
  return entry.startsWith('..') && entry !== DATA_LINK && entry !== DATA_TEMP_LINK && /^\.\.\d+-[0-9a-f]+$/.test(entry);
}

function assertPlainName(name: string): void {
  if (name === '' || name.includes('/') || name.startsWith('..') || name === '.') {
    throw new OtherixError(
      'usage',
      `file name ${JSON.stringify(name)} cannot be part of an atomic set: use a plain name without '/' or a leading '..'`,
    );
  }
}

async function currentGeneration(dir: string): Promise<string | undefined> {
  try {
    return await readlink(join(dir, DATA_LINK));
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Removes every generation but `keep`, and a temp `..data` link; returns the names removed. */
async function removeStaleGenerations(dir: string, keep: string | undefined): Promise<string[]> {
  const removed: string[] = [];
  for (const entry of await readdir(dir)) {
    if ((isGenerationName(entry) && entry !== keep) || entry === DATA_TEMP_LINK) {
      await rm(join(dir, entry), { recursive: true, force: true });
      removed.push(entry);
    }
  }
  return removed;
}

/**
 * Removes what an interrupted write left in `dir`: temp files of writeFileAtomic (private keys
 * included: they were 0600 from their first byte), temp links, and the generations and temp
 * `..data` link of a set that are not the current one. Returns the names removed. Call it where
 * no other write into `dir` can be running (the CP holds its data dir's lock when it does).
 */
export async function removeWriteLeftovers(dir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const entry of await folderEntries(dir)) {
    if (isLeftoverOf(entry)) {
      await rm(join(dir, entry), { recursive: true, force: true });
      removed.push(entry);
    }
  }
  if ((await folderEntries(dir)).length === 0) return removed;
  return [...removed, ...(await removeStaleGenerations(dir, await currentGeneration(dir)))];
}

/** Points `dir/<name>` at `..data/<name>` unless it already does. */
async function ensureVisibleLink(dir: string, name: string): Promise<void> {
  const path = join(dir, name);
  const target = join(DATA_LINK, name);
  try {
    const info = await lstat(path);
    if (info.isSymbolicLink() && (await readlink(path)) === target) return;
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') throw error;
  }
  // Replace whatever is there (an older plain file) by rename, never unlink-then-create.
  const temp = join(dir, `.${name}.link-${suffix()}`);
  await symlink(target, temp);
  await rename(temp, path);
}

/** Writes `files` into `dir` as one set: after a crash the folder holds the old set or the new one. */
export async function writeFileSetAtomic(dir: string, files: FileSpec[]): Promise<void> {
  for (const file of files) assertPlainName(file.name);
  if (new Set(files.map((f) => f.name)).size !== files.length) {
    throw new OtherixError('usage', 'the same file name appears twice in one atomic set');
  }
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const previous = await currentGeneration(dir);
    await removeStaleGenerations(dir, previous);
    for (const file of files) await removeLeftoversOf(dir, file.name);
    const adopted = await adoptUnlinkedNames(dir, files, previous);
    await writeGeneration(dir, files, adopted, 'links-first');
  } catch (error) {
    if (error instanceof OtherixError) throw error;
    throw writeFailed(`the file set in ${dir}`, error);
  }
}

/**
 * Names of the set that exist but are not links into `..data` (plain files: a cert dir restored
 * from a backup that followed links, or files copied in by hand) would vanish from the moment
 * they became links until `..data` flips, and a crash in between would lose them. So their bytes
 * as they read now become a generation of their own first, `..data` switches to it, and only then
 * does each name become a link, which reads the same bytes. Returns the generation `..data`
 * points at afterwards.
 */
async function adoptUnlinkedNames(dir: string, files: FileSpec[], previous: string | undefined): Promise<string | undefined> {
  const present: FileSpec[] = [];
  let unlinked = false;
  for (const file of files) {
    const path = join(dir, file.name);
    try {
      const info = await lstat(path);
      if (!info.isSymbolicLink() || (await readlink(path)) !== join(DATA_LINK, file.name)) unlinked = true;
      present.push({ name: file.name, data: await readFile(path), mode: file.mode });
    } catch (error) {
      // Something in the way (a folder, an unreadable file) is named.
      if ((error as { code?: string }).code !== 'ENOENT') throw writeFailed(path, error);
    }
  }
  if (!unlinked) return previous;
  return writeGeneration(dir, present, previous, 'switch-first');
}

/**
 * Writes `files` as a new generation, points `..data` at it, removes `previous`. 'links-first':
 * the visible links are made before the switch, so a new name appears exactly when `..data`
 * flips. 'switch-first' (adoptUnlinkedNames): after it, each replacing a name with the same bytes.
 */
async function writeGeneration(
  dir: string,
  files: FileSpec[],
  previous: string | undefined,
  order: 'links-first' | 'switch-first',
): Promise<string> {
  const generation = `..${Date.now()}-${suffix()}`;
  const generationPath = join(dir, generation);
  let switched = false;
  try {
    // 0755 like Kubernetes: each file's own mode decides who reads it (agent.key 0600, ca.crt
    // 0644); the set's folder itself is created 0700.
    await mkdir(generationPath, { mode: 0o755 });
    await chmod(generationPath, 0o755); // exact, whatever the umask
    let first = true;
    for (const file of files) {
      await writeNewFile(join(generationPath, file.name), file.data, file.mode);
      if (first) passWriteStep('during-generation');
      first = false;
    }
    await fsyncDir(generationPath);
    passWriteStep('after-generation');

    if (order === 'links-first') {
      for (const file of files) await ensureVisibleLink(dir, file.name);
      await fsyncDir(dir);
      passWriteStep('after-links');
    }

    const tempLink = join(dir, DATA_TEMP_LINK);
    await rm(tempLink, { force: true });
    await symlink(generation, tempLink);
    passWriteStep('after-temp-link');
    await rename(tempLink, join(dir, DATA_LINK));
    switched = true;
    await fsyncDir(dir);
    if (order === 'switch-first') {
      for (const file of files) await ensureVisibleLink(dir, file.name);
      await fsyncDir(dir);
    } else {
      passWriteStep('after-switch');
    }

    if (previous !== undefined && previous !== generation && isGenerationName(previous)) {
      await rm(join(dir, previous), { recursive: true, force: true });
    }
    if (order === 'links-first') passWriteStep('after-cleanup');
    return generation;
  } catch (error) {
    if (!switched) {
      await rm(generationPath, { recursive: true, force: true }).catch(() => undefined);
      await rm(join(dir, DATA_TEMP_LINK), { force: true }).catch(() => undefined);
    }
    throw error;
  }
}

/** Which of `names` are readable files in `dir` (a name whose link dangles is missing). */
export async function readFileSetState(dir: string, names: string[]): Promise<{ present: string[]; missing: string[] }> {
  const present: string[] = [];
  const missing: string[] = [];
  for (const name of names) {
    try {
      const info = await stat(join(dir, name));
      (info.isFile() ? present : missing).push(name);
    } catch {
      missing.push(name);
    }
  }
  return { present, missing };
}
