// Commands that open the database beside (or instead of) the CP run as the data dir's owner: as
// anyone else (root included), SQLite could leave its -wal/-shm files owned by that user, and the
// CP could then no longer open its own database.
import { stat } from 'node:fs/promises';
import { OtherixError } from '@otherix/sdk';
import type { DataDirFiles } from './files.js';

/** `command` is how to run it again, e.g. `otherix-server backup --data-dir DIR --out FILE`. */
export async function assertDataDirOwner(files: DataDirFiles, command: string): Promise<void> {
  const owner = (await stat(files.dir)).uid;
  const me = process.getuid?.();
  if (me !== undefined && me !== owner) {
    throw new OtherixError(
      'forbidden',
      `${files.dir} belongs to uid ${owner} and this runs as uid ${me}: run it as the data dir's owner (e.g. sudo -u '#${owner}' ${command}), so the database files stay the control plane's`,
    );
  }
}
