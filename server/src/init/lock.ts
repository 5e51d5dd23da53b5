// One data dir, one CP: a lock held for the process's life.
//
// Node has no flock(2), so the lock is SQLite's: `otherix.lock` is an empty SQLite file on which
// the CP opens an exclusive transaction and never ends it. SQLite takes it with fcntl(2) record
// locks, which the kernel drops when the process dies in any way (kill -9 included): a stale
// lock cannot exist, and pid reuse cannot fool it. Within one process SQLite keeps the same
// rule between connections, so a second CP started in the same process is refused too.
// `otherix-server.pid` beside it only names the holder for the refusal message.
// fcntl locks need a local filesystem (or NFS with working lockd): keep the data dir local.
import { readFile, readdir, readlink, realpath, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { OtherixError } from '@otherix/sdk';
import { writeFileAtomic } from '@otherix/sdk/internal';
import sqlite3 from 'sqlite3';
import type { DataDirFiles } from './files.js';

/** How long a refused start waits for the holder's pid file (the holder writes it right after locking). */
const PID_WAIT_ATTEMPTS = 20;
const PID_WAIT_MS = 50;

export interface DataDirLock {
  /** Drops the lock and the pid file; safe to call twice. */
  release: () => Promise<void>;
}

function openLockFile(path: string): Promise<sqlite3.Database> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(path, sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE, (error) =>
      error === null ? resolve(db) : reject(error),
    );
  });
}

const exec = (db: sqlite3.Database, sql: string): Promise<void> =>
  new Promise((resolve, reject) => db.exec(sql, (error) => (error === null ? resolve() : reject(error))));

const closeDb = (db: sqlite3.Database): Promise<void> => new Promise((resolve) => db.close(() => resolve()));

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

/** The holder's pid from its pid file, once it is a live process (a kill -9 may have left an older file). */
async function holderPid(files: DataDirFiles): Promise<number | undefined> {
  for (let attempt = 0; attempt < PID_WAIT_ATTEMPTS; attempt++) {
    const pid = Number.parseInt(await readFile(files.pid, 'utf8').catch(() => ''), 10);
    if (Number.isSafeInteger(pid) && pid > 0 && isAlive(pid)) return pid;
    await sleep(PID_WAIT_MS);
  }
  return undefined;
}

/**
 * A live process other than this one that still holds this data dir's lock file open after it
 * was deleted (an operator removed a "stale" otherix.lock under a running CP): the lock on the
 * new file proves nothing then. Linux only (/proc); elsewhere, or for processes of other users
 * (whose fds cannot be read, and who could not share this 0700 data dir anyway), none is found.
 */
async function holderOfDeletedLock(files: DataDirFiles): Promise<number | undefined> {
  // /proc names the file by its real path: the data dir may be reached through a symlink.
  const deleted = `${join(await realpath(files.dir).catch(() => files.dir), basename(files.lock))} (deleted)`;
  const pids = await readdir('/proc').catch(() => [] as string[]);
  for (const entry of pids) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const fds = await readdir(`/proc/${entry}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      if ((await readlink(`/proc/${entry}/fd/${fd}`).catch(() => '')) === deleted) return Number(entry);
    }
  }
  return undefined;
}

/** Takes the data dir's lock, or refuses with the holder's pid. */
export async function acquireDataDirLock(files: DataDirFiles): Promise<DataDirLock> {
  let db: sqlite3.Database;
  try {
    db = await openLockFile(files.lock);
  } catch (error) {
    throw new OtherixError(
      'data_dir_invalid',
      `cannot open ${files.lock} (${(error as { code?: string }).code ?? 'error'}: ${(error as Error).message}): check that ${files.dir} is a writable directory`,
    );
  }
  db.configure('busyTimeout', 0);
  try {
    // No journal: nothing is ever written, the transaction exists only for its lock.
    await exec(db, 'PRAGMA journal_mode = OFF; BEGIN EXCLUSIVE');
  } catch (error) {
    await closeDb(db);
    if ((error as { code?: string }).code !== 'SQLITE_BUSY') {
      throw new OtherixError(
        'data_dir_invalid',
        `cannot lock ${files.lock} (${(error as { code?: string }).code ?? 'error'}: ${(error as Error).message}): the data dir must be on a local filesystem that supports file locks`,
      );
    }
    const pid = await holderPid(files);
    throw new OtherixError(
      'data_dir_locked',
      `another otherix-server is running on ${files.dir} (pid ${pid ?? 'unknown'}): one data dir serves one CP; stop that one first, or give this one its own --data-dir`,
    );
  }
  const orphanedHolder = await holderOfDeletedLock(files);
  if (orphanedHolder !== undefined) {
    await closeDb(db);
    throw new OtherixError(
      'data_dir_locked',
      `another otherix-server is running on ${files.dir} (pid ${orphanedHolder}), although its ${files.lock} was deleted: one data dir serves one CP; ` +
        `stop that one first (never delete the lock file of a running CP), or give this one its own --data-dir`,
    );
  }
  try {
    await writeFileAtomic(files.pid, `${process.pid}\n`, { mode: 0o644 });
  } catch (error) {
    await closeDb(db);
    throw error;
  }
  let released = false;
  return {
    release: async () => {
      if (released) return;
      released = true;
      await rm(files.pid, { force: true });
      await closeDb(db); // closing the connection ends the transaction and drops the lock
    },
  };
}
