// Made ready before the token is redeemed: a join consumes the token, so a host that cannot
// write its cert dir or agent.yaml must find out first, while the token is still good. The
// folders are created here (not at write time), and removed again if the run fails before
// writing, so a refused join leaves nothing behind.
import { constants } from 'node:fs';
import { access, mkdir, rmdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { OtherixError } from '../errors.js';

const NOT_USED = 'the join token was not used';

export interface DestinationFolder {
  folder: string;
  mode: number;
  /** The flag that sets it, named in the message (`--cert-dir`). */
  flag: string;
}

interface PreparedFolders {
  /** Removes the folders this run created, deepest first, where still empty. */
  undo(): Promise<void>;
}

/**
 * Checks each folder's path (every existing component must be a folder), creates it with its
 * mode (mkdir -p), and checks it is writable; throws file_write_failed, token unused.
 */
export async function prepareFolders(folders: readonly DestinationFolder[]): Promise<PreparedFolders> {
  const created: string[] = [];
  const undo = async (): Promise<void> => {
    for (const folder of [...created].reverse()) await rmdir(folder).catch(() => undefined);
  };
  try {
    for (const destination of folders) created.push(...(await prepareFolder(destination)));
  } catch (error) {
    await undo();
    throw error;
  }
  return { undo };
}

async function prepareFolder({ folder, mode, flag }: DestinationFolder): Promise<string[]> {
  await assertFolderPath(folder, flag);
  let first: string | undefined;
  try {
    first = await mkdir(folder, { recursive: true, mode });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new OtherixError(
      'file_write_failed',
      `cannot create ${folder} (${code}): run bootstrap as a user that may, or pass another ${flag}; ${NOT_USED}`,
      { cause: error, details: { folder } },
    );
  }
  try {
    await access(folder, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new OtherixError(
      'file_write_failed',
      `cannot write ${folder} (not writable by this user): run bootstrap as a user that may, or pass another ${flag}; ${NOT_USED}`,
      { cause: error, details: { folder, not_writable: folder } },
    );
  }
  // mkdir -p answers the first folder it made; the rest lie between it and `folder`.
  const made: string[] = [];
  if (first !== undefined) {
    for (let current = folder; ; current = dirname(current)) {
      made.unshift(current);
      if (current === first || dirname(current) === current) break;
    }
  }
  return made;
}

/** The nearest existing path at or above `folder` must be a folder (not a file in the way). */
async function assertFolderPath(folder: string, flag: string): Promise<void> {
  for (let current = folder; ; current = dirname(current)) {
    let isFolder: boolean;
    try {
      isFolder = (await stat(current)).isDirectory();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // ENOTDIR: a component above is a file; keep climbing to name it.
      if ((code === 'ENOENT' || code === 'ENOTDIR') && dirname(current) !== current) continue;
      throw new OtherixError('file_write_failed', `cannot look at ${current} (${code ?? 'error'}): check ${flag}; ${NOT_USED}`, {
        cause: error,
        details: { folder },
      });
    }
    if (isFolder) return;
    throw new OtherixError(
      'file_write_failed',
      `cannot use ${folder}: ${current} is not a folder: pass another ${flag}, or move ${current} away; ${NOT_USED}`,
      { details: { folder, not_a_folder: current } },
    );
  }
}

/** mkdir -p for agent.yaml's folder, as a file_write_failed error when refused. */
export async function ensureFolder(folder: string, mode: number): Promise<void> {
  try {
    await mkdir(folder, { recursive: true, mode });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new OtherixError('file_write_failed', `cannot create ${folder} (${code}): check its parent's permissions`, { cause: error });
  }
}
