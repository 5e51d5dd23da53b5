// File modes checked at every start, before anything is read or written: the keys, the admin
// token and the database are the cluster's secrets (0600); the data dir must not be writable by
// anyone else (who could swap ca.crt or the database). Loose modes stop the start with the
// chmod to run: the CP never changes a mode it did not create itself.
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { DataDirFiles } from './files.js';
import { secretFiles } from './files.js';
import { OtherixError } from '@otherix/sdk';

const octal = (mode: number): string => mode.toString(8).padStart(4, '0');

async function modeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mode & 0o777;
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Refuses loose modes; returns warnings for what only deserves one (a data dir others can list). */
export async function checkDataDirModes(files: DataDirFiles): Promise<string[]> {
  const warnings: string[] = [];
  const refusals: string[] = [];
  const dirMode = await modeOf(files.dir);
  if (dirMode !== undefined && (dirMode & 0o022) !== 0) {
    refusals.push(
      `${files.dir} is writable by group or others (mode ${octal(dirMode)}): anyone there could replace ca.crt or the database; run \`chmod 700 ${files.dir}\``,
    );
  } else if (dirMode !== undefined && (dirMode & 0o077) !== 0) {
    warnings.push(`${files.dir} is accessible by group or others (mode ${octal(dirMode)}): run \`chmod 700 ${files.dir}\``);
  }
  const loose: string[] = [];
  for (const path of secretFiles(files)) {
    const mode = await modeOf(path);
    if (mode === undefined || (mode & 0o077) === 0) continue;
    const access = (mode & 0o044) !== 0 ? 'readable' : 'writable';
    const what = path === files.caKey ? 'an exposed CA key' : `an exposed ${basename(path)}`;
    refusals.push(`${path} is ${access} by group or others (mode ${octal(mode)}): refusing to start with ${what}`);
    loose.push(path);
  }
  if (refusals.length === 0) return warnings;
  const fix = loose.length === 0 ? '' : `; run \`chmod 600 ${loose.join(' ')}\``;
  const compromised = loose.length === 0 ? '' : ' and consider what others could read compromised (keys: re-issue; tokens: revoke)';
  throw new OtherixError('insecure_permissions', `${refusals.join('; ')}${fix}${compromised}`);
}
