// Files whose path a person gives (a token file, a config file) are read up to a limit, never to
// their end: /dev/zero or a log given by mistake must be refused, not fill the memory. Pipes
// (`--token-path <(...)`) are read like files.
import { closeSync, openSync, readSync } from 'node:fs';

/**
 * At most `limit` + 1 bytes of `path`, so the caller can tell "more than `limit`" apart (throws
 * what open/read throw, ENOENT included).
 */
export function readFileCapped(path: string, limit: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(limit + 1);
    let size = 0;
    while (size < buffer.length) {
      const read = readSync(fd, buffer, size, buffer.length - size, null);
      if (read === 0) break;
      size += read;
    }
    return buffer.subarray(0, size);
  } finally {
    closeSync(fd);
  }
}
