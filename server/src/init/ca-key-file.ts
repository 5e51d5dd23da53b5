// A CA key file in the data dir (ca.key; a CA rotation's second key the same way): where its
// plain or encrypted form is read and written (services/ca-key-at-rest.ts holds the format).
//
// - Written: encrypted when the CP was given --ca-key-passphrase-file, from the first byte (the
//   PEM is encrypted in memory, then written 0600 through writeFileAtomic: temp file, fsync,
//   rename, fsync of the folder), else the plain PKCS#8 PEM as before.
// - Read: a plain key is used as is; an encrypted one needs the passphrase (`ca_key_locked`
//   without it, `ca_key_passphrase_wrong` when GCM's tag refuses it). Reading never writes.
import { readFile } from 'node:fs/promises';
import { OtherixError, isOtherixError } from '@otherix/sdk';
import { KEY_FILE_MODE, writeFileAtomic } from '@otherix/sdk/internal';
import { decryptCaKey, encryptCaKey, isEncryptedCaKey } from '../services/ca-key-at-rest.js';

export const CA_KEY_PASSPHRASE_FLAG = '--ca-key-passphrase-file';

export interface CaKeyFileContent {
  /** The key's PKCS#8 PEM (decrypted when it was encrypted). */
  keyPem: string;
  /** True when the file holds the encrypted form. */
  encrypted: boolean;
}

/** Reads a CA key file; `passphrase` opens an encrypted one (a plain one needs none). Nothing is changed on disk. */
export async function readCaKeyFile(path: string, passphrase: Buffer | undefined): Promise<CaKeyFileContent> {
  const text = await readFile(path, 'utf8');
  if (!isEncryptedCaKey(text)) return { keyPem: text, encrypted: false };
  if (passphrase === undefined) {
    throw new OtherixError(
      'ca_key_locked',
      `${path} is encrypted and no passphrase was given: pass ${CA_KEY_PASSPHRASE_FLAG} FILE (or OTHERIX_SERVER__CA_KEY_PASSPHRASE_FILE) with the file it was encrypted with. Nothing was changed.`,
    );
  }
  try {
    return { keyPem: await decryptCaKey(text, passphrase), encrypted: true };
  } catch (error) {
    if (!isOtherixError(error)) throw error;
    const next =
      error.code === 'ca_key_passphrase_wrong'
        ? `check that ${CA_KEY_PASSPHRASE_FLAG} names the file this key was encrypted with (its content without one trailing newline is the passphrase); if it does, ${path} was altered: restore it from your backup`
        : `restore it from your backup (mode 0600)`;
    throw new OtherixError(error.code, `${path}: ${error.message}: ${next}. Nothing was changed.`, { cause: error });
  }
}

/** Writes a CA key file 0600, atomically: encrypted under `passphrase` when one is given. */
export async function writeCaKeyFile(path: string, keyPem: string, passphrase: Buffer | undefined): Promise<void> {
  const content = passphrase === undefined ? keyPem : await encryptCaKey(keyPem, passphrase);
  await writeFileAtomic(path, content, { mode: KEY_FILE_MODE });
}
