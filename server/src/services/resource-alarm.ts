// Resource exhaustion, said once per episode with what to do. A full disk, a database locked by
// another process past the busy timeout, or a process out of file descriptors makes every write
// or connection fail the same way; logging each failure would bury the cause, and logging none
// leaves an operator with resets and 500s. The alarm logs the first failure of a kind at error
// with the fix, stays quiet while the episode lasts, and logs once at info when it ends (the
// next successful write, or descriptors back under the limit).
import type { FastifyBaseLogger } from 'fastify';

type ResourceKind = 'disk_full' | 'database_busy' | 'database_unwritable' | 'file_descriptors';

const CODES: Record<string, ResourceKind> = {
  ENOSPC: 'disk_full',
  EDQUOT: 'disk_full',
  SQLITE_FULL: 'disk_full',
  SQLITE_BUSY: 'database_busy',
  SQLITE_READONLY: 'database_unwritable',
  SQLITE_IOERR: 'database_unwritable',
  EROFS: 'database_unwritable',
  EIO: 'database_unwritable',
  EMFILE: 'file_descriptors',
  ENFILE: 'file_descriptors',
};

/** The kind of exhaustion an error is (its own code, or its cause's), if any. */
export function resourceKindOf(error: unknown): ResourceKind | undefined {
  for (let e = error, depth = 0; e !== null && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code in CODES) return CODES[code];
    const message = (e as { message?: unknown }).message;
    // sqlite3 puts the code in the message too; a wrapped write error (file_write_failed) keeps the errno there.
    const named =
      typeof message === 'string'
        ? /\b(ENOSPC|EDQUOT|SQLITE_FULL|SQLITE_BUSY|SQLITE_READONLY|SQLITE_IOERR|EROFS|EIO|EMFILE|ENFILE)\b/.exec(message)
        : null;
    if (named !== null) return CODES[named[1]];
  }
  return undefined;
}

interface ResourceAlarmOptions {
  log: FastifyBaseLogger;
  /** The data dir, named in the advice. */
  dataDir: string | undefined;
  busyTimeoutMs: number;
}

export class ResourceAlarm {
  private readonly active = new Set<ResourceKind>();

  constructor(private readonly options: ResourceAlarmOptions) {}

  /** True while an episode of `kind` lasts. */
  isActive(kind: ResourceKind): boolean {
    return this.active.has(kind);
  }

  /** Reports a failure; returns its kind when it is exhaustion (logged at the start of an episode only). */
  failed(error: unknown, where: string, detail?: string): ResourceKind | undefined {
    const kind = resourceKindOf(error);
    if (kind === undefined) return undefined;
    if (!this.active.has(kind)) {
      this.active.add(kind);
      const code = (error as { code?: string }).code;
      this.options.log.error(
        { resource: kind, code, where },
        `${this.advice(kind, detail)} (first failure: ${where}; said once until it recovers)`,
      );
    }
    return kind;
  }

  /** Ends an episode of `kind` (a write committed, descriptors back under the limit). */
  recovered(kind: ResourceKind): void {
    if (!this.active.delete(kind)) return;
    this.options.log.info({ resource: kind }, `recovered: ${RECOVERED[kind]}`);
  }

  /** What happened and what to do, for a person. */
  advice(kind: ResourceKind, detail?: string): string {
    const dir = this.options.dataDir ?? 'the data dir';
    switch (kind) {
      case 'disk_full':
        return `the disk holding ${dir} is full (ENOSPC/SQLITE_FULL): joins, heartbeats and token changes fail and /readyz answers 503 until space is freed; free space on that filesystem (df -h ${dir}); the CP recovers by itself`;
      case 'database_busy':
        return `otherix.db stayed locked by another process for more than ${this.options.busyTimeoutMs / 1000} s (SQLITE_BUSY): writes fail meanwhile; find what holds it (a sqlite3 shell, a backup tool: fuser ${dir}/otherix.db) and end it; only otherix-server should write this database`;
      case 'database_unwritable':
        return `otherix.db in ${dir} cannot be written (read-only filesystem or I/O error: SQLITE_READONLY/SQLITE_IOERR): writes fail and /readyz answers 503; check the filesystem (mount; dmesg for disk errors) and fix it; the CP recovers by itself once it can write`;
      case 'file_descriptors':
        return `the CP is out of file descriptors (EMFILE/ENFILE${detail === undefined ? '' : `: ${detail}`}): new connections are being reset and files cannot be opened; raise the limit (LimitNOFILE= in the systemd unit, or ulimit -n) and look for clients holding many idle connections`;
    }
  }
}

/** A few words for a public answer (no paths, no advice). */
export function resourceShortName(kind: ResourceKind): string {
  return SHORT_NAMES[kind];
}

const SHORT_NAMES: Record<ResourceKind, string> = {
  disk_full: 'disk full',
  database_busy: 'locked by another process',
  database_unwritable: 'read-only or failing storage',
  file_descriptors: 'out of file descriptors',
};

const RECOVERED: Record<ResourceKind, string> = {
  disk_full: 'the database takes writes again',
  database_busy: 'the database takes writes again',
  database_unwritable: 'the database takes writes again',
  file_descriptors: 'file descriptors are back under the limit',
};
