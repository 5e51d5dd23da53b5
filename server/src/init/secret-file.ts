// The secrets otherix-server reads from files, each readable by its owner only, like every key file:
// - --secret-file: the secret every replica on one PostgreSQL database is given; the cluster CA's
//   key is sealed with it in the database (services/sealed-key.ts). Its content (whitespace at
//   the ends ignored) is the secret: at least 32 characters, e.g. `openssl rand -base64 48 > FILE`.
// - --ca-key-passphrase-file: the passphrase that encrypts ca.key in a SQLite data dir
//   (services/ca-key-at-rest.ts). Its content without one trailing newline is the passphrase, as
//   written (spaces count): not empty.
import { readFile, stat } from 'node:fs/promises';
import { OtherixError } from '@otherix/sdk';

export const MIN_SECRET_LENGTH = 32;

const MAKE_ONE = '(make one with `(umask 077; openssl rand -base64 48 > FILE)` and give every replica a copy)';
// Two cases, one message: a ca.key already encrypted opens only with the file it was encrypted
// with (a new passphrase would not open it), a plain or new one takes a file made now.
const MAKE_PASSPHRASE =
  '(for an encrypted ca.key, the file it was encrypted with, or its copy kept apart from the data dir; for a plain or new one, make one with `(umask 077; openssl rand -base64 32 > FILE)`, and keep a copy apart from the data dir and its backups)';

/** The file's bytes, once its mode allows only its owner; `what` names it in the messages. */
async function readOwnerOnlyFile(path: string, what: string, advice: string): Promise<string> {
  let mode: number;
  try {
    const found = await stat(path);
    // A folder given by mistake: its mode is not the problem (chmod 600 on it would be wrong advice).
    if (!found.isFile()) throw Object.assign(new Error('not a file'), { code: found.isDirectory() ? 'EISDIR' : 'not a regular file' });
    mode = found.mode;
  } catch (error) {
    throw new OtherixError(
      'config_invalid',
      `cannot read ${what} ${path} (${(error as { code?: string }).code ?? (error as Error).message}): give the file itself ${advice}`,
    );
  }
  if ((mode & 0o077) !== 0) {
    throw new OtherixError(
      'insecure_permissions',
      `${what} ${path} is readable or writable by others (mode ${(mode & 0o777).toString(8).padStart(4, '0')}): chmod 600 ${path}`,
    );
  }
  return readFile(path, 'utf8');
}

export async function readSecretFile(path: string | undefined): Promise<Buffer> {
  if (path === undefined || path === '') {
    throw new OtherixError('usage', `--database-url needs --secret-file FILE: the cluster CA's key is stored sealed with it ${MAKE_ONE}`);
  }
  const secret = (await readOwnerOnlyFile(path, 'the secret file', MAKE_ONE)).trim();
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new OtherixError(
      'config_invalid',
      `the secret file ${path} holds ${secret.length} characters: it needs at least ${MIN_SECRET_LENGTH} ${MAKE_ONE}`,
    );
  }
  return Buffer.from(secret, 'utf8');
}

/** --ca-key-passphrase-file: its content without one trailing newline (`\n` or `\r\n`). */
export async function readCaKeyPassphraseFile(path: string): Promise<Buffer> {
  const passphrase = (await readOwnerOnlyFile(path, 'the CA key passphrase file', MAKE_PASSPHRASE)).replace(/\r?\n$/, '');
  if (passphrase === '') throw new OtherixError('config_invalid', `the CA key passphrase file ${path} is empty ${MAKE_PASSPHRASE}`);
  return Buffer.from(passphrase, 'utf8');
}
