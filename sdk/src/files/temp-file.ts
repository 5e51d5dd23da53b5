// Files written whole or not at all, for what is too large to hold in memory (a database, an
// archive): a temp file beside the target, named as writeFileAtomic names its own (so
// removeWriteLeftovers, run at every start of the CP, removes one a crash left), created with its
// final mode (0600 from the moment it exists), fsynced, then moved into place and the folder
// fsynced.
import { constants } from 'node:fs';
import { link, open, rename, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsyncDir, tempPathFor } from './atomic.js';

export interface TempFile {
  path: string;
  handle: FileHandle;
}

/** A new temp file for `target`, open for reading and writing, with exactly `mode`. */
export async function createTempFile(target: string, mode: number): Promise<TempFile> {
  const path = tempPathFor(target);
  const handle = await open(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, mode);
  try {
    await handle.chmod(mode); // the umask may have narrowed it; never wider than asked
  } catch (error) {
    await handle.close();
    await rm(path, { force: true });
    throw error;
  }
  return { path, handle };
}

/**
 * Syncs and closes the temp file, then gives it the target's name: replacing what is there, or
 * (noClobber) failing with EEXIST when the target exists, even if it appeared meanwhile.
 */
export async function commitTempFile(temp: TempFile, target: string, options: { noClobber?: boolean } = {}): Promise<void> {
  await temp.handle.sync();
  await temp.handle.close();
  if (options.noClobber) {
    await link(temp.path, target); // atomic, and refuses an existing name
    await rm(temp.path);
  } else {
    await rename(temp.path, target);
  }
  await fsyncDir(dirname(target));
}

/** Closes and removes a temp file that will not be committed (after a failure). */
export async function discardTempFile(temp: TempFile): Promise<void> {
  await temp.handle.close().catch(() => undefined);
  await rm(temp.path, { force: true });
}
