// `otherix-server backup --data-dir DIR --out FILE`: the CP running or not, one 0600 archive of
// everything a restore needs (backup/take-backup.ts). What it did and what next on stderr.
// Stopped by SIGINT or SIGTERM, it removes its temp folder (a copy of the database and
// the keys) before it ends; the next backup removes one a SIGKILL left (backup/work-folder.ts).
import { dirname, resolve } from 'node:path';
import { takeBackup } from '../backup/take-backup.js';
import { removeOnSignal } from '../backup/work-folder.js';
import { serverVersion } from '../version.js';

function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

export async function backupCommand(options: { dataDir: string; out: string }): Promise<number> {
  const release = removeOnSignal(dirname(resolve(options.out)), say);
  try {
    const { out, bytes, manifest } = await takeBackup({ ...options, serverVersion: serverVersion(), say });
    process.stderr.write(
      `otherix-server: backed up cluster ${manifest.cluster_id} (${manifest.nodes} node${manifest.nodes === 1 ? '' : 's'}, CA ${manifest.ca_fingerprint}) to ${out} (${bytes} bytes, mode 0600).\n` +
        `It holds the cluster CA's private key and admin.token: keep it as safe as the data dir, off this host. ` +
        `To restore: otherix-server restore --data-dir <an empty dir> --from ${out}\n`,
    );
    return 0;
  } finally {
    release();
  }
}
