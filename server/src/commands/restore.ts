// `otherix-server restore --data-dir DIR --from FILE`: a backup into an empty data dir
// (backup/restore-backup.ts). What it did and how to bring the CP back on stderr.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { restoreBackup } from '../backup/restore-backup.js';
import { CA_KEY_PASSPHRASE_FLAG } from '../init/ca-key-file.js';
import { isEncryptedCaKey } from '../services/ca-key-at-rest.js';

export async function restoreCommand(options: { dataDir: string; from: string }): Promise<number> {
  const { dataDir, manifest } = await restoreBackup(options);
  const uid = process.getuid?.();
  // An encrypted ca.key starts only with its passphrase file: the next step says so.
  const encrypted = isEncryptedCaKey(await readFile(join(dataDir, 'ca.key'), 'utf8'));
  const passphrase = encrypted
    ? ` ${CA_KEY_PASSPHRASE_FLAG} FILE (its ca.key is encrypted: the passphrase file it was encrypted with)`
    : '';
  process.stderr.write(
    `otherix-server: restored cluster ${manifest.cluster_id} (${manifest.nodes} node${manifest.nodes === 1 ? '' : 's'}, CA ${manifest.ca_fingerprint}) ` +
      `from the backup of ${manifest.created_at} into ${dataDir}${uid === undefined ? '' : ` (files owned by uid ${uid}: run otherix-server as that user, or chown -R the dir to the user it runs as)`}.\n` +
      `next: otherix-server serve --data-dir ${dataDir}${passphrase} on the address the nodes' cp_url names (or change cp_url in each agent.yaml); ` +
      `nodes keep their certificates. Changes made after the backup (nodes joined or deleted, tokens minted or revoked) are not in it.\n`,
  );
  return 0;
}
