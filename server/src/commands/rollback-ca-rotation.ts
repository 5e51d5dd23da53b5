// `otherix-server rollback-ca-rotation --data-dir DIR`: rolls a SQLite data dir's CA rotation back
// with the CP stopped. It is the way out for a data dir whose ca-next.key was lost in init,
// update_clients or update_servers: the CP refuses to start on it (init/ca-rotation-keys.ts says
// why and names this command), so `otherix ca rotation rollback` cannot be reached. It writes what
// that API call writes (services/ca-rotation.ts, rolledBack): from init to standby (the new CA's
// files removed), from update_clients or update_servers to the phase rollback, in which the CP
// starts without the new CA's key; `otherix ca rotation next` then ends it once the nodes renewed
// back. It takes the data dir's lock: a CP that runs rolls back through the API instead.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { OtherixError, isOtherixError } from '@otherix/sdk';
import { commandAuditLine, hostUserActor } from '../audit/audit.js';
import { fingerprintOfPem } from '@otherix/sdk/pki';
import { DataDirCaKeys } from '../init/ca-rotation-keys.js';
import { dataDirFiles } from '../init/files.js';
import { acquireDataDirLock } from '../init/lock.js';
import { assertDataDirOwner } from '../init/owner.js';
import { rolledBack } from '../services/ca-rotation.js';
import type { RotationPhase } from '../store/ca-rotation-store.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';

export interface OfflineRollback {
  dir: string;
  from: RotationPhase;
  /** standby (from init), or rollback (from update_clients or update_servers; unchanged when it was rollback already). */
  to: RotationPhase;
  newCaFingerprint: string | null;
}

export async function rollbackCaRotationOffline(options: { dataDir: string; now?: () => number }): Promise<OfflineRollback> {
  const now = options.now ?? Date.now;
  const files = dataDirFiles(resolve(options.dataDir));
  const command = `otherix-server rollback-ca-rotation --data-dir ${files.dir}`;
  if ((await stat(files.database).catch(() => undefined)) === undefined) {
    throw new OtherixError(
      'data_dir_invalid',
      `no control plane database in ${files.dir} (${files.database} is missing): give the --data-dir of the CP whose CA rotation to roll back`,
    );
  }
  await assertDataDirOwner(files, command);
  const lock = await acquireDataDirLock(files).catch((error: unknown) => {
    if (!isOtherixError(error, 'data_dir_locked')) throw error;
    throw new OtherixError(
      'data_dir_locked',
      `${error.message}. A CP that runs rolls its rotation back with \`otherix ca rotation rollback\`; this command is for one that cannot start. Nothing was changed.`,
    );
  });
  const store = await SqliteStore.open(files.database, { afterClose: lock.release }).catch(async (error: unknown) => {
    await lock.release();
    throw new OtherixError('data_dir_invalid', `cannot open ${files.database}: ${(error as Error).message}. Nothing was changed.`);
  });
  try {
    const row = await store.caRotation.read();
    const newCaFingerprint = row.nextCaCertPem === null ? null : fingerprintOfPem(row.nextCaCertPem);
    if (row.phase === 'standby')
      throw new OtherixError('conflict', `no CA rotation to roll back in ${files.dir}: the phase is standby. Nothing was changed.`);
    // Already rolling back (this command or the API ran before): nothing to write, the next step is the CP's.
    if (row.phase === 'rollback') return { dir: files.dir, from: row.phase, to: row.phase, newCaFingerprint };
    const next = rolledBack(row, now());
    if (!(await store.caRotation.write(row.version, next)))
      throw new OtherixError('conflict', `the CA rotation in ${files.database} changed meanwhile: run ${command} again`);
    // As the API's rollback: the new CA's files go once the standby row committed (a crash before leaves them, unused).
    if (next.phase === 'standby') await new DataDirCaKeys(files, undefined).discard();
    return { dir: files.dir, from: row.phase, to: next.phase, newCaFingerprint };
  } finally {
    await store.close();
  }
}

/** The command: what it did and what to do next, on stderr. */
export async function rollbackCaRotationCommand(options: { dataDir: string }): Promise<number> {
  const done = await rollbackCaRotationOffline(options);
  const start = `start the CP (otherix-server --data-dir ${done.dir} ...)`;
  const what =
    done.from === done.to
      ? `the CA rotation in ${done.dir} is in the phase rollback already: nothing was changed.`
      : `rolled the CA rotation in ${done.dir} back from ${done.from} to ${done.to} (new CA ${done.newCaFingerprint ?? 'none'}${done.to === 'standby' ? ', removed' : ''}).`;
  const next =
    done.to === 'standby'
      ? `${start}: it serves and signs with the old CA alone, and the agents drop the new CA at their next heartbeat; a new rotation starts with \`otherix ca rotation next\`.`
      : `${start}: the old CA signs and serves again while both stay trusted, and nodes holding a certificate of the new CA renew back at their next heartbeat; ` +
        'when `otherix ca rotation status` shows no node lagging, `otherix ca rotation next` drops the new CA; a new rotation can start after that.';
  process.stderr.write(`otherix-server: ${what}\nnext: ${next}\n`);
  // The API's rollback is audited by the CP; this one has no CP to log it: the command writes the
  // same event itself, last on stderr (audit.ts), and only when it changed something.
  if (done.from !== done.to) {
    process.stderr.write(
      commandAuditLine(
        'ca_rotation.moved',
        { from: done.from, to: done.to, force: false, new_ca_fingerprint: done.newCaFingerprint, lagging: [] },
        hostUserActor('otherix-server rollback-ca-rotation'),
      ),
    );
  }
  return 0;
}
