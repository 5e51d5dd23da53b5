// Where a CA rotation keeps the new CA's key (issue 19): where the cluster's is kept.
//   SQLite (the data dir): ca-next.key (0600 from the moment it exists) and ca-next.crt beside
//     ca.key and ca.crt. Completing the rotation renames them over ca.key and ca.crt, after the
//     database recorded the new CA; a start that finds the database ahead of the files (a crash
//     in between) finishes the renames (finishCaPromotion, before the start checks the CA).
//   PostgreSQL (replicas): sealed with the secret file in the rotation's row, then in the cluster
//     row once complete; no file.
// A data dir whose ca.key is encrypted (--ca-key-passphrase-file) gets ca-next.key encrypted
// under the same passphrase, through init/ca-key-file.ts, as ca.key is.
import { readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { OtherixError } from '@otherix/sdk';
import { fingerprintOfPem } from '@otherix/sdk/pki';
import { PUBLIC_FILE_MODE, writeFileAtomic } from '@otherix/sdk/internal';
import { readCaKeyFile, writeCaKeyFile } from './ca-key-file.js';
import type { KeyPairPem } from '../services/ca.js';
import type { NextCaKeys } from '../services/ca-rotation.js';
import { sealKey, unsealKey } from '../services/sealed-key.js';
import type { CaRotationRow } from '../store/ca-rotation-store.js';
import type { DataDirFiles } from './files.js';

export const NEXT_CA_CERT = 'ca-next.crt';
export const NEXT_CA_KEY = 'ca-next.key';

export class DataDirCaKeys implements NextCaKeys {
  /** `passphrase`: the one ca.key is encrypted under (--ca-key-passphrase-file), if any. */
  constructor(
    private readonly files: DataDirFiles,
    private readonly passphrase: Buffer | undefined,
  ) {}

  private get nextCert(): string {
    return join(this.files.dir, NEXT_CA_CERT);
  }

  private get nextKey(): string {
    return join(this.files.dir, NEXT_CA_KEY);
  }

  async save(material: KeyPairPem): Promise<string | null> {
    // The key first, 0600 from the moment it exists.
    await writeCaKeyFile(this.nextKey, material.keyPem, this.passphrase);
    await writeFileAtomic(this.nextCert, material.certPem, { mode: PUBLIC_FILE_MODE });
    return null;
  }

  async load(row: CaRotationRow): Promise<string> {
    try {
      return (await readCaKeyFile(this.nextKey, this.passphrase)).keyPem;
    } catch (error) {
      // A key that is there but locked (no or another passphrase) keeps its own refusal (ca-key-file.ts).
      if ((error as { code?: string }).code === 'ENOENT') throw lostNextKey(this.files, this.nextKey, row);
      throw error;
    }
  }

  async promote(): Promise<void> {
    // Each rename is atomic; the key first, so a crash leaves ca.key new and ca-next.crt to move.
    await rename(this.nextKey, this.files.caKey).catch(ignoreMissing);
    await rename(this.nextCert, this.files.caCert);
  }

  sealForCluster(): string | null {
    return null;
  }

  async discard(): Promise<void> {
    await rm(this.nextKey, { force: true });
    await rm(this.nextCert, { force: true });
  }
}

/**
 * ca-next.key is gone (an operator, a bad restore, a disk) while the database is in a phase whose
 * new CA signs or will sign (init, update_clients, update_servers). Decided (issue 19 review): not
 * a dead end. Without the key the rotation cannot go forward, but a rollback needs only the old
 * CA, from every phase (the phase rollback trusts the new CA by its certificate alone, which the
 * database holds): `otherix ca rotation rollback` on a running CP, `otherix-server
 * rollback-ca-rotation` (commands/rollback-ca-rotation.ts) on one that cannot start for it. The
 * operator may instead restore the key from a backup taken during the rotation and go on.
 */
function lostNextKey(files: DataDirFiles, path: string, row: CaRotationRow): OtherixError {
  const fingerprint = row.nextCaCertPem === null ? 'unknown' : fingerprintOfPem(row.nextCaCertPem);
  const after =
    row.phase === 'init'
      ? 'it returns to standby with the old CA at once'
      : 'it enters the phase rollback: the old CA signs and serves again, the nodes and this CP that hold certificates of the new CA renew back to the old one while both CAs stay trusted; once `otherix ca rotation status` shows them back, `otherix ca rotation next` drops the new CA';
  return new OtherixError(
    'data_dir_invalid',
    `${path} is missing, but ${files.database} is in the middle of a CA rotation (phase ${row.phase}, new CA ${fingerprint}) that needs that key: the rotation cannot go forward without it. ` +
      `Either restore ${NEXT_CA_KEY} (mode 0600) into ${files.dir} from a backup taken during this rotation (\`otherix-server backup\` archives it), or roll the rotation back, which needs only the old CA: ` +
      `stop the CP if it runs and run \`otherix-server rollback-ca-rotation --data-dir ${files.dir}\`, then start it (on a CP that runs, \`otherix ca rotation rollback\` does the same); ` +
      `${after}. Then start a new rotation with \`otherix ca rotation next\`. Nothing was changed.`,
  );
}

/** A start after a completion whose renames a crash cut short: the database names ca-next.crt's CA. */
export async function finishCaPromotion(files: DataDirFiles, recordedFingerprint: string | undefined): Promise<boolean> {
  if (recordedFingerprint === undefined) return false;
  const nextCert = join(files.dir, NEXT_CA_CERT);
  let pem: string;
  try {
    pem = await readFile(nextCert, 'utf8');
  } catch {
    return false;
  }
  if (fingerprintOfPem(pem) !== recordedFingerprint) return false;
  await new DataDirCaKeys(files, undefined).promote();
  return true;
}

export class SealedCaKeys implements NextCaKeys {
  constructor(private readonly secret: Buffer) {}

  save(material: KeyPairPem): Promise<string | null> {
    return Promise.resolve(sealKey(material.keyPem, this.secret));
  }

  load(row: CaRotationRow): Promise<string> {
    return Promise.resolve(unsealKey(row.nextCaKeySealed ?? '', this.secret));
  }

  promote(): Promise<void> {
    return Promise.resolve();
  }

  sealForCluster(keyPem: string): string | null {
    return sealKey(keyPem, this.secret);
  }

  discard(): Promise<void> {
    return Promise.resolve();
  }
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}
