// The backup's private folder beside --out: the database copy and the archive's temp file, 0700,
// so one `rm -r` takes everything a backup writes before its archive is linked to --out. It holds
// a copy of the database and of the key material, so no run may leave it behind:
//
//   - SIGINT or SIGTERM (Ctrl-C, `kill`, systemd stopping a timer's unit): removeOnSignal()
//     removes it before the process ends, then ends the process by that signal again (status
//     130/143 in a shell, as if no handler ran). SIGHUP is not caught: a handler would override
//     the SIG_IGN that `nohup` sets, and a backup run under nohup must survive its terminal.
//   - SIGKILL, SIGHUP, a crash, a power cut: the next backup into the same folder removes what
//     such a run left (removeStaleWorkFolders), saying so in one line.
//
// Whose folder it is: its name carries the host name and the pid of the backup that made it,
// `.otherix-backup-<host>-<pid>-XXXXXX`. A folder is stale when it names this host and a pid that
// no longer runs (`process.kill(pid, 0)` fails with ESRCH). A pid that runs, as anyone (EPERM),
// keeps its folder: a backup running at the same time is never touched. The host name keeps a
// backup on one host from judging the pids of another host writing to a shared (NFS) folder.
// A reused pid only delays the removal until that process ends; it never removes a live folder.
// Folders of other hosts, and of older versions (no pid in the name), are left as they are.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

const PREFIX = '.otherix-backup-';
/** The signals an operator or a service manager stops a backup with; each is caught to remove the folder. */
const CAUGHT_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** The host part of the name: the host name, with anything but letters, digits, `.` and `-` as `_`. */
function thisHost(): string {
  return hostname().replace(/[^A-Za-z0-9.-]/g, '_') || 'host';
}

/** The host and pid a work folder's name records, or undefined for another name. */
function ownerOf(name: string): { host: string; pid: number } | undefined {
  const match = /^\.otherix-backup-(.+)-(\d+)-[A-Za-z0-9]{6}$/.exec(name);
  return match === null ? undefined : { host: match[1], pid: Number(match[2]) };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // it runs, as another user
  }
}

/** This process's folders among `names` (any a signal interrupted, even before mkdtemp's answer came). */
function ownFolders(names: string[]): string[] {
  return names.filter((name) => {
    const owner = ownerOf(name);
    return owner?.host === thisHost() && owner.pid === process.pid;
  });
}

/** A new, empty, 0700 work folder in `dir` (mkdtemp makes it 0700), named for this host and process. */
export async function makeWorkFolder(dir: string): Promise<string> {
  return mkdtemp(join(dir, `${PREFIX}${thisHost()}-${process.pid}-`));
}

/** Removes the work folders in `dir` left by backups on this host that no longer run; returns their names. */
export async function removeStaleWorkFolders(dir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(dir).catch(() => [])) {
    const owner = ownerOf(name);
    if (owner === undefined || owner.host !== thisHost() || owner.pid === process.pid || isRunning(owner.pid)) continue;
    await rm(join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/**
 * Until the returned function is called: on SIGINT or SIGTERM, removes this process's
 * work folders in `dir`, says so with `say`, and ends the process by that signal.
 */
export function removeOnSignal(dir: string, say: (line: string) => void): () => void {
  const release = (): void => {
    for (const signal of CAUGHT_SIGNALS) process.removeListener(signal, onSignal);
  };
  function onSignal(signal: NodeJS.Signals): void {
    release();
    try {
      const names = existsSync(dir) ? ownFolders(readdirSync(dir)) : [];
      for (const name of names) rmSync(join(dir, name), { recursive: true, force: true, maxRetries: 3 });
      say(`otherix-server: backup stopped by ${signal}${names.length > 0 ? `; removed its temp folder ${join(dir, names[0])}` : ''}`);
    } catch (error) {
      say(
        `otherix-server: backup stopped by ${signal}, but could not remove its temp folder in ${dir} (${(error as Error).message}): ` +
          `remove ${join(dir, `${PREFIX}${thisHost()}-${process.pid}-*`)} yourself`,
      );
    }
    // No listener is left for it: the default action ends the process, with the signal's status.
    process.kill(process.pid, signal);
  }
  for (const signal of CAUGHT_SIGNALS) process.on(signal, onSignal);
  return release;
}
