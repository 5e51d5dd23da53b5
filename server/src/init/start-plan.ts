// What a start does with the data dir it finds, decided once from what is on disk:
//
//   nothing of a cluster           -> first start (no flag needed)
//   cluster-id.incomplete only     -> an interrupted first start: finished when it got past admin.token,
//                                     else its files are removed and it runs again (refused if the
//                                     database holds more than a first start writes)
//   cluster-id + its database + its CA -> a normal start
//   anything else that held a cluster  -> refuse, naming what is missing and how to restore it
//
// A CP never silently becomes a new cluster: a database without its CA, a CA without its
// database, a marker without either, an empty database where a cluster was, a database of
// another cluster: each stops the start and nothing is written.
import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import { OtherixError } from '@otherix/sdk';
import type { DatabaseInspection } from '../store/sqlite/inspect.js';
import type { DataDirFiles } from './files.js';
import { firstStartFiles } from './files.js';

/** What is on disk, read before anything is written. */
export interface DataDirFacts {
  /** Which of the data dir's files exist (absolute paths). */
  present: ReadonlySet<string>;
  /** The content of cluster-id, when it exists. */
  clusterId: string | undefined;
  /** The content of cluster-id.incomplete, when it exists. */
  incompleteClusterId: string | undefined;
  database: DatabaseInspection;
  /** The fingerprint of ca.crt, when it exists and decodes. */
  caFingerprint: string | undefined;
  /** Why ca.crt does not decode, when it exists and does not. */
  caCertProblem: string | undefined;
}

type StartPlan =
  | {
      kind: 'first-start';
      /** Files of an interrupted first start to remove before starting again. */
      remove: string[];
      /** Why (for the log), when something was removed. */
      note: string | undefined;
    }
  | {
      kind: 'start';
      clusterId: string;
      /** A database made before cluster markers: mark it now (a new cluster id). */
      markDatabase: boolean;
      /** Write cluster-id (missing or new); remove a stale cluster-id.incomplete. */
      writeClusterIdFile: boolean;
      /** A database made before markers whose first start never minted the admin token. */
      mintAdminToken: boolean;
      note: string | undefined;
    };

const NOTHING_CHANGED = 'Nothing was changed.';

const names = (paths: readonly string[]): string => paths.map((p) => basename(p)).join(', ');

function refuse(message: string): never {
  throw new OtherixError('data_dir_invalid', `refusing to start: ${message}`);
}

function nodesPhrase(database: DatabaseInspection): string {
  return database.state === 'initialized' ? `${database.nodes} node${database.nodes === 1 ? '' : 's'}` : 'its nodes';
}

/**
 * SQLite could not read or write the file (SQLITE_IOERR: a full disk where otherix.db-shm or -wal
 * must grow, a failing disk; SQLITE_CANTOPEN: permissions): the file may be whole, so the advice is
 * the disk's, never "restore from your backup" (which would lose what was written since).
 */
const UNREADABLE_CODES = new Set(['SQLITE_IOERR', 'SQLITE_CANTOPEN']);

function damagedDatabaseMessage(files: DataDirFiles, database: { code: string; detail: string }): string {
  if (UNREADABLE_CODES.has(database.code)) {
    return (
      `SQLite could not read or write ${files.database} (${database.code}: ${database.detail}): that is the disk, its free space or the file's permissions, not necessarily the database. ` +
      `Check the free space on that filesystem (df -h ${files.dir}: SQLite needs room beside otherix.db for otherix.db-wal and otherix.db-shm), ` +
      `the disk (dmesg) and that otherix-server's user can write ${files.dir}, then start again; do not restore a backup for this (it would lose what was written since). ${NOTHING_CHANGED}`
    );
  }
  return (
    `${files.database} is damaged (${database.code}: ${database.detail}). ` +
    `Stop here: restore otherix.db from your backup into ${files.dir} (remove otherix.db-wal and otherix.db-shm there first), ` +
    `or salvage what SQLite can read: \`sqlite3 ${files.database} .recover | sqlite3 recovered.db\`, then move recovered.db to ${files.database}. ` +
    `Keep ca.crt, ca.key and cluster-id as they are. ${NOTHING_CHANGED}`
  );
}

/** The CA files must be there and be the cluster's. */
function checkCa(files: DataDirFiles, facts: DataDirFacts, cluster: { id: string; caFingerprint: string }): void {
  const missing = [files.caCert, files.caKey].filter((path) => !facts.present.has(path));
  if (missing.length > 0) {
    refuse(
      `${names(missing)} ${missing.length === 1 ? 'is' : 'are'} missing, but otherix.db holds cluster ${cluster.id} with ${nodesPhrase(facts.database)} whose certificates that CA signed. ` +
        `Restore ${names(missing)} from your backup into ${files.dir} (ca.key with mode 0600); a new CA would orphan every node. ${NOTHING_CHANGED}`,
    );
  }
  if (facts.caCertProblem !== undefined)
    refuse(`${files.caCert} cannot be decoded (${facts.caCertProblem}): restore ca.crt from your backup. ${NOTHING_CHANGED}`);
  if (facts.caFingerprint !== cluster.caFingerprint) {
    refuse(
      `${files.caCert} (${facts.caFingerprint}) is not the CA of cluster ${cluster.id} (${cluster.caFingerprint}, recorded in otherix.db): ` +
        `restore that cluster's ca.crt and ca.key from your backup, or put this database back with its own CA. ${NOTHING_CHANGED}`,
    );
  }
}

/** The database names the cluster (its marker) and cluster-id is to be written from it, once the CA is checked against it. */
function restoreClusterIdFile(
  files: DataDirFiles,
  facts: DataDirFacts,
  marker: { id: string; caFingerprint: string },
  note: string | undefined,
): StartPlan {
  checkCa(files, facts, marker);
  return { kind: 'start', clusterId: marker.id, markDatabase: false, writeClusterIdFile: true, mintAdminToken: false, note };
}

function planMarked(files: DataDirFiles, facts: DataDirFacts, clusterId: string): StartPlan {
  const { database } = facts;
  if (database.state === 'missing' || database.state === 'empty') {
    const caMissing = [files.caCert, files.caKey].filter((path) => !facts.present.has(path));
    refuse(
      `otherix.db is ${database.state === 'missing' ? 'missing' : 'empty'}, but ${files.dir} holds cluster ${clusterId} (${files.clusterId})` +
        `${caMissing.length > 0 ? `, and ${names(caMissing)} ${caMissing.length === 1 ? 'is' : 'are'} missing too` : ''}. ` +
        `The cluster's nodes and tokens live in that database: restore otherix.db${caMissing.length > 0 ? ` and ${names(caMissing)}` : ''} from your backup into ${files.dir} and start again. ` +
        `To start a new cluster instead, give otherix-server a new --data-dir. ${NOTHING_CHANGED}`,
    );
  }
  if (database.state !== 'initialized') throw new OtherixError('internal', 'unreachable: a damaged database is refused before');
  if (database.marker === undefined) {
    refuse(
      `otherix.db carries no cluster id, but ${files.dir} holds cluster ${clusterId} (${files.clusterId}): it is another data dir's database, or a backup from before cluster ids. ` +
        `If it is this cluster's database, remove ${files.clusterId} and start again (the CP then marks the database as this cluster's, with this CA); otherwise restore this cluster's otherix.db. ${NOTHING_CHANGED}`,
    );
  }
  if (database.marker.id !== clusterId) {
    refuse(
      `otherix.db belongs to cluster ${database.marker.id}, but ${files.dir} holds cluster ${clusterId} (${files.clusterId}): ` +
        `restore cluster ${clusterId}'s otherix.db from your backup, or put this database back in its own data dir. ${NOTHING_CHANGED}`,
    );
  }
  checkCa(files, facts, database.marker);
  return {
    kind: 'start',
    clusterId,
    markDatabase: false,
    writeClusterIdFile: facts.incompleteClusterId !== undefined,
    mintAdminToken: false,
    note: undefined,
  };
}

export function planStart(files: DataDirFiles, facts: DataDirFacts): StartPlan {
  const { database } = facts;
  const has = (path: string): boolean => facts.present.has(path);

  if (facts.clusterId === undefined && facts.incompleteClusterId !== undefined) {
    if (database.state === 'initialized') {
      // Got past admin.token (its database marked with this first start's id): only cluster-id
      // is missing (a kill between writing it and removing cluster-id.incomplete, then a lost
      // file), and what was made may have been handed out. Finished, never redone.
      if (database.marker?.id === facts.incompleteClusterId && has(files.adminToken)) {
        return restoreClusterIdFile(
          files,
          facts,
          database.marker,
          `an earlier first start of ${files.dir} was interrupted after admin.token: finished it (wrote ${basename(files.clusterId)})`,
        );
      }
      // A first start writes its marker and one admin token: anything else means the cluster served.
      const used = [
        database.nodes > 0 ? nodesPhrase(database) : undefined,
        database.joinTokens > 0 ? `${database.joinTokens} join token${database.joinTokens === 1 ? '' : 's'}` : undefined,
        database.apiTokens > 1 ? `${database.apiTokens} API tokens` : undefined,
        database.marker !== undefined && database.marker.id !== facts.incompleteClusterId
          ? `the marker of cluster ${database.marker.id}`
          : undefined,
      ].filter((part) => part !== undefined);
      if (used.length > 0) {
        refuse(
          `${files.clusterIdIncomplete} says the first start never completed, yet otherix.db holds ${used.join(', ')}: ` +
            `restore the data dir from your backup (with its cluster-id). ${NOTHING_CHANGED}`,
        );
      }
    }
    // A first start that did not complete never served: nothing in it can be lost.
    const remove = [...firstStartFiles(files).filter(has), files.clusterIdIncomplete];
    return {
      kind: 'first-start',
      remove,
      note: `an earlier first start of ${files.dir} was interrupted: removed what it had written (${names(remove)}) and started it again`,
    };
  }
  if (database.state === 'damaged') refuse(damagedDatabaseMessage(files, database));
  if (facts.clusterId !== undefined) return planMarked(files, facts, facts.clusterId);

  // No marker: a new dir, a dir made before cluster markers, or one that lost pieces.
  const parts = [files.caCert, files.caKey, files.adminToken, files.serverCert, files.serverKey, files.clientCert, files.clientKey].filter(
    has,
  );
  if (database.state === 'missing' || database.state === 'empty') {
    const databaseFiles = [files.database, files.databaseWal, files.databaseShm].filter(has);
    if (parts.length === 0) return { kind: 'first-start', remove: databaseFiles, note: undefined };
    if (parts.length === 1 && has(files.caKey)) {
      // An older otherix-server killed between ca.key and ca.crt on its first start.
      return {
        kind: 'first-start',
        remove: [files.caKey, ...databaseFiles],
        note: `${files.dir} held only ca.key, from a first start that was interrupted: removed it and started again`,
      };
    }
    refuse(
      `${files.dir} holds part of a cluster (${names(parts)}) but ${database.state === 'missing' ? 'no otherix.db' : 'an empty otherix.db'}. ` +
        `Restore otherix.db from your backup into ${files.dir} and start again; a new database would lose every node and token and replace admin.token. ` +
        `To start a new cluster instead, give otherix-server a new --data-dir. ${NOTHING_CHANGED}`,
    );
  }
  if (database.state !== 'initialized') throw new OtherixError('internal', 'unreachable: a damaged database is refused before');
  if (database.marker !== undefined) {
    // cluster-id was removed: the database says which cluster this is.
    return restoreClusterIdFile(
      files,
      facts,
      database.marker,
      facts.incompleteClusterId === undefined
        ? `${files.clusterId} was missing: wrote it again from otherix.db (cluster ${database.marker.id})`
        : undefined,
    );
  }
  // A data dir made before cluster markers.
  const caMissing = [files.caCert, files.caKey].filter((path) => !has(path));
  if (caMissing.length > 0) {
    refuse(
      `${names(caMissing)} ${caMissing.length === 1 ? 'is' : 'are'} missing, but otherix.db holds ${nodesPhrase(database)} and ${database.apiTokens} API token${database.apiTokens === 1 ? '' : 's'}. ` +
        `Restore ${names(caMissing)} from your backup into ${files.dir} (ca.key with mode 0600); a new CA would orphan every node. ${NOTHING_CHANGED}`,
    );
  }
  if (facts.caCertProblem !== undefined)
    refuse(`${files.caCert} cannot be decoded (${facts.caCertProblem}): restore ca.crt from your backup. ${NOTHING_CHANGED}`);
  return {
    kind: 'start',
    clusterId: randomUUID(),
    markDatabase: true,
    writeClusterIdFile: true,
    mintAdminToken: database.apiTokens === 0 && database.nodes === 0,
    note: `${files.dir} was made by an older otherix-server: marked it as a cluster (${files.clusterId} and otherix.db)`,
  };
}
