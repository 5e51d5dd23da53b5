// --secret-file: the secret every replica on one PostgreSQL database is given; the cluster CA's
// key is sealed with it in the database (services/sealed-key.ts). Its content (whitespace at the
// ends ignored) is the secret: at least 32 characters, e.g. `openssl rand -base64 48 > FILE`.
// Like every key file it must be readable by its owner only.
import { readFile, stat } from 'node:fs/promises';
import { OtherixError } from '@otherix/sdk';

export const MIN_SECRET_LENGTH = 32;

const MAKE_ONE = '(make one with `(umask 077; openssl rand -base64 48 > FILE)` and give every replica a copy)';

export async function readSecretFile(path: string | undefined): Promise<Buffer> {
  if (path === undefined || path === '') {
    throw new OtherixError('usage', `--database-url needs --secret-file FILE: the cluster CA's key is stored sealed with it ${MAKE_ONE}`);
  }
  let mode: number;
  try {
    mode = (await stat(path)).mode;
  } catch (error) {
    throw new OtherixError(
      'config_invalid',
      `cannot read the secret file ${path} (${(error as { code?: string }).code ?? (error as Error).message}) ${MAKE_ONE}`,
    );
  }
  if ((mode & 0o077) !== 0) {
    throw new OtherixError(
      'insecure_permissions',
      `the secret file ${path} is readable or writable by others (mode ${(mode & 0o777).toString(8).padStart(4, '0')}): chmod 600 ${path}`,
    );
  }
  const secret = (await readFile(path, 'utf8')).trim();
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new OtherixError(
      'config_invalid',
      `the secret file ${path} holds ${secret.length} characters: it needs at least ${MIN_SECRET_LENGTH} ${MAKE_ONE}`,
    );
  }
  return Buffer.from(secret, 'utf8');
}
