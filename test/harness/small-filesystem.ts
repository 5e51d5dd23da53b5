// A nearly full file system, for real: a small tmpfs mounted in a private mount namespace that
// exists only for the command it runs (unshare -m; with -U -r as well when not root, so a user
// namespace maps us to root there). It is filled up to `freeBytes` before the command starts, and
// it vanishes with the command, so a crashed test leaves no mount behind.
//
// From outside, the tmpfs is seen through the process that holds it: /proc/<pid>/root/<mountPoint>
// (insideOf). fillToTheLastByte() and a removal of what it wrote make its disk full, then free again.
//
// Needs unshare(1) and the right to make a mount namespace (root, or unprivileged user
// namespaces): without them the test fails with unshare's own message.

import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** `sh -c script args...` in a mount namespace of its own (and a user namespace when not root). */
function inOwnMountNamespace(script: string, args: string[]): string[] {
  const asRoot = process.geteuid?.() === 0;
  return ['unshare', ...(asRoot ? [] : ['--user', '--map-root-user']), '--mount', 'sh', '-c', script, ...args];
}

/** The words to put before `node <agent> ...` (RunAgentOptions.prefix). */
export function onNearlyFullTmpfs(mountPoint: string, options: { sizeBytes: number; freeBytes: number }): string[] {
  return inOwnMountNamespace(
    'mount -t tmpfs -o "size=$1,mode=0755" tmpfs "$0" && head -c "$2" /dev/zero > "$0/filler" && shift 2 && exec "$@"',
    [mountPoint, String(options.sizeBytes), String(options.sizeBytes - options.freeBytes)],
  );
}

/**
 * Like onNearlyFullTmpfs, with `seed` (a folder, e.g. a CP's data dir) copied into the tmpfs
 * first, as `<mountPoint>/<its name>`, and the rest filled up to `freeBytes`: an existing data dir
 * on a disk that filled up.
 */
export function onNearlyFullTmpfsWith(seed: string, mountPoint: string, options: { sizeBytes: number; freeBytes: number }): string[] {
  return inOwnMountNamespace(
    'mount -t tmpfs -o "size=$1,mode=0755" tmpfs "$0" && cp -a "$3" "$0"/ && ' +
      'avail=$(df -B1 --output=avail "$0" | tail -n 1) && head -c "$((avail - $2))" /dev/zero > "$0/filler" && shift 3 && exec "$@"',
    [mountPoint, String(options.sizeBytes), String(options.freeBytes), seed],
  );
}

/** `path` as the process `pid` sees it (in its own mount namespace), for reading or writing from outside. */
export function insideOf(pid: number | undefined, path: string): string {
  if (pid === undefined) throw new Error('the process has no pid (it did not start)');
  return join(`/proc/${pid}/root`, path);
}

/** Appends zeros to `path` until its file system is full to the last byte (64 KiB chunks, then 512 B ones). */
export function fillToTheLastByte(path: string): void {
  const fd = openSync(path, 'a');
  try {
    for (const chunk of [Buffer.alloc(64 * 1024), Buffer.alloc(512)]) {
      for (;;) {
        try {
          writeSync(fd, chunk);
        } catch (error) {
          if ((error as { code?: string }).code === 'ENOSPC') break;
          throw error;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}
