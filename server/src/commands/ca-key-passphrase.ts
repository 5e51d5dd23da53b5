// `otherix-server ca-key-passphrase --data-dir DIR [--ca-key-passphrase-file CURRENT]
// (--new-passphrase-file NEW | --remove-passphrase)`: changes the passphrase a stopped CP's CA
// keys are encrypted under (ca.key, and a CA rotation's ca-next.key when there is one), encrypts
// plain ones, or with --remove-passphrase writes them plain again (0600 PKCS#8, for a host that
// moves to disk encryption). SQLite data dirs only: on PostgreSQL the key is sealed with
// --secret-file.
//
// - It runs as the data dir's owner (a key file root wrote would be root's: the CP could not read
//   it), and takes the data dir's lock: a running CP holds the key in memory and may write
//   ca-next.key under the old passphrase (a rotation's next), so it must be stopped first.
// - Every key is read and opened before any is written: a wrong current passphrase changes nothing.
// - Each file is replaced atomically (temp file, fsync, rename), ca-next.key first. A crash between
//   the two leaves them under different passphrases; running the command again with the same flags
//   finishes the job, because a key already under the new passphrase (or already plain, for
//   --remove-passphrase) is taken as it is.
// - Backups taken before keep the old form: the old passphrase file opens them.
// - No CP logs the change: the command writes the audit line `ca_key.passphrase_changed` itself.
import { access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { OtherixError, isOtherixError } from '@otherix/sdk';
import { commandAuditLine, hostUserActor } from '../audit/audit.js';
import { CA_KEY_PASSPHRASE_FLAG, readCaKeyFile, writeCaKeyFile } from '../init/ca-key-file.js';
import { NEXT_CA_KEY } from '../init/ca-rotation-keys.js';
import { dataDirFiles } from '../init/files.js';
import { acquireDataDirLock } from '../init/lock.js';
import { assertDataDirOwner } from '../init/owner.js';
import { readCaKeyPassphraseFile } from '../init/secret-file.js';

export const NEW_PASSPHRASE_FLAG = '--new-passphrase-file';
export const REMOVE_PASSPHRASE_FLAG = '--remove-passphrase';

export interface CaKeyPassphraseOptions {
  dataDir: string;
  /** The passphrase file the keys are encrypted with now (none when they are plain). */
  currentPassphraseFile: string | undefined;
  /** The passphrase file to encrypt them with; undefined with `remove`. */
  newPassphraseFile: string | undefined;
  /** Write the keys plain. */
  remove: boolean;
}

/** What the command did, for its line on stderr. */
export interface CaKeyPassphraseChange {
  dataDir: string;
  /** The key files written (ca.key, and ca-next.key during a CA rotation). */
  files: string[];
  encrypted: boolean;
}

/** Opens one key file with the current passphrase, or finds it already in the wanted form (an interrupted earlier run). */
async function openKey(path: string, current: Buffer | undefined, wanted: Buffer | undefined): Promise<string> {
  try {
    return (await readCaKeyFile(path, current)).keyPem;
  } catch (error) {
    if (!isOtherixError(error) || (error.code !== 'ca_key_passphrase_wrong' && error.code !== 'ca_key_locked') || wanted === undefined)
      throw error;
    // Already under the new passphrase (a run that stopped between the two files): taken as it is;
    // else the current passphrase's refusal stands.
    try {
      return (await readCaKeyFile(path, wanted)).keyPem;
    } catch {
      throw error;
    }
  }
}

export async function changeCaKeyPassphrase(options: CaKeyPassphraseOptions): Promise<CaKeyPassphraseChange> {
  const current = options.currentPassphraseFile === undefined ? undefined : await readCaKeyPassphraseFile(options.currentPassphraseFile);
  const wanted = options.newPassphraseFile === undefined ? undefined : await readCaKeyPassphraseFile(options.newPassphraseFile);
  const files = dataDirFiles(resolve(options.dataDir));
  if (
    !(await access(files.caKey).then(
      () => true,
      () => false,
    ))
  ) {
    throw new OtherixError(
      'data_dir_invalid',
      `no ca.key in ${files.dir}: give the --data-dir of the stopped otherix-server whose CA key you are changing (on PostgreSQL the key is sealed with --secret-file, and this command does not apply)`,
    );
  }
  // As its owner: a key file written by root would be root's, and the CP could not read its own key.
  await assertDataDirOwner(files, `otherix-server ca-key-passphrase --data-dir ${files.dir} ...`);
  const lock = await acquireDataDirLock(files);
  try {
    const nextKey = join(files.dir, NEXT_CA_KEY);
    const paths = (await access(nextKey).then(
      () => true,
      () => false,
    ))
      ? [nextKey, files.caKey]
      : [files.caKey];
    // All opened first: nothing is written unless every key opens.
    const keys = await Promise.all(paths.map((path) => openKey(path, current, wanted)));
    for (const [i, path] of paths.entries()) await writeCaKeyFile(path, keys[i], wanted);
    return { dataDir: files.dir, files: paths, encrypted: wanted !== undefined };
  } finally {
    await lock.release();
  }
}

export async function caKeyPassphraseCommand(options: CaKeyPassphraseOptions): Promise<number> {
  const change = await changeCaKeyPassphrase(options);
  const which = change.files.map((path) => path.slice(change.dataDir.length + 1)).join(' and ');
  const next = change.encrypted
    ? `${which} in ${change.dataDir} ${change.files.length === 1 ? 'is' : 'are'} now encrypted with the passphrase in ${options.newPassphraseFile}.\n` +
      `next: start otherix-server with ${CA_KEY_PASSPHRASE_FLAG} ${options.newPassphraseFile} (update OTHERIX_SERVER__CA_KEY_PASSPHRASE_FILE or the systemd unit too); ` +
      `backups taken before keep the old passphrase: keep its file as long as you keep them.\n`
    : `${which} in ${change.dataDir} ${change.files.length === 1 ? 'is' : 'are'} now plain (PKCS#8, mode 0600): protect the data dir's disk.\n` +
      `next: start otherix-server without ${CA_KEY_PASSPHRASE_FLAG}; backups taken before keep the old passphrase: keep its file as long as you keep them.\n`;
  process.stderr.write(`otherix-server: ${next}`);
  // No CP logs this change: the command writes its audit line, last on stderr (audit.ts).
  process.stderr.write(
    commandAuditLine(
      'ca_key.passphrase_changed',
      { files: change.files.map((path) => path.slice(change.dataDir.length + 1)), encrypted: change.encrypted },
      hostUserActor('otherix-server ca-key-passphrase'),
    ),
  );
  return 0;
}
