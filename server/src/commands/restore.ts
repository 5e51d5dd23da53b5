// `otherix-server restore --data-dir DIR --from FILE`: a backup into an empty data dir
// (backup/restore-backup.ts). What it did and how to bring the CP back on stderr.
import { restoreBackup } from '../backup/restore-backup.js';

export async function restoreCommand(options: { dataDir: string; from: string }): Promise<number> {
  const { dataDir, manifest } = await restoreBackup(options);
  const uid = process.getuid?.();
  process.stderr.write(
    `otherix-server: restored cluster ${manifest.cluster_id} (${manifest.nodes} node${manifest.nodes === 1 ? '' : 's'}, CA ${manifest.ca_fingerprint}) ` +
      `from the backup of ${manifest.created_at} into ${dataDir}${uid === undefined ? '' : ` (files owned by uid ${uid}: run otherix-server as that user, or chown -R the dir to the user it runs as)`}.\n` +
      `next: otherix-server serve --data-dir ${dataDir} on the address the nodes' cp_url names (or change cp_url in each agent.yaml); ` +
      `nodes keep their certificates. Changes made after the backup (nodes joined or deleted, tokens minted or revoked) are not in it.\n`,
  );
  return 0;
}
