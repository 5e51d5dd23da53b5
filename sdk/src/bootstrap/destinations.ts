// Checked before the token is redeemed: a join consumes the token, so a host that cannot write
// its cert dir or agent.yaml must find out first, while the token is still good.
import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { OtherixError } from '../errors.js';

/** The nearest existing folder at or above `path`, which must be writable to create `path`. */
async function nearestExistingFolder(path: string): Promise<string> {
  let current = path;
  for (;;) {
    try {
      if ((await stat(current)).isDirectory()) return current;
      return dirname(current);
    } catch {
      const parent = dirname(current);
      if (parent === current) return current;
      current = parent;
    }
  }
}

export async function assertWritableFolder(folder: string, flag: string): Promise<void> {
  const existing = await nearestExistingFolder(folder);
  try {
    await access(existing, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new OtherixError(
      'file_write_failed',
      `cannot write ${folder} (${existing} is not writable by this user): run bootstrap as a user that may, or pass ${flag}; the join token was not used`,
      { cause: error, details: { folder, not_writable: existing } },
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
