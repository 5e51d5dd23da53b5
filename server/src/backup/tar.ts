// A minimal POSIX tar (ustar) writer and reader over node:fs file handles, for backup archives:
// regular files only, plain names (no folders, no links), each entry's mode kept. Why tar and
// not a format of our own: an operator can list and unpack a backup with the `tar` every host
// has (`tar -tvf`, `tar -xpf ... -C DIR`), when otherix-server itself is not at hand. Entries are
// read and written in chunks by position, so a large database never sits in memory whole.
import type { FileHandle } from 'node:fs/promises';
import { OtherixError } from '@otherix/sdk';

const BLOCK = 512;
const CHUNK = 1 << 20;

export interface TarEntry {
  name: string;
  mode: number;
  size: number;
  /** Where the content starts in the archive. */
  offset: number;
}

/** A malformed archive (backup_invalid): the message says what, and where. */
function malformed(message: string): OtherixError {
  return new OtherixError('backup_invalid', message);
}

function octal(value: number, width: number): string {
  // width - 1 digits and a NUL, as ustar wants.
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function header(name: string, mode: number, size: number, mtimeSeconds: number): Buffer {
  if (Buffer.byteLength(name) > 100 || name.includes('/') || name === '' || name.startsWith('.'))
    throw new OtherixError('internal', `tar: ${JSON.stringify(name)} is not a plain file name`);
  const block = Buffer.alloc(BLOCK);
  block.write(name, 0, 100, 'utf8');
  block.write(octal(mode & 0o7777, 8), 100, 8, 'ascii');
  block.write(octal(0, 8), 108, 8, 'ascii'); // uid: the restoring user owns what it writes
  block.write(octal(0, 8), 116, 8, 'ascii'); // gid
  block.write(octal(size, 12), 124, 12, 'ascii');
  block.write(octal(mtimeSeconds, 12), 136, 12, 'ascii');
  block.write('        ', 148, 8, 'ascii'); // checksum: spaces while summing
  block.write('0', 156, 1, 'ascii'); // a regular file
  block.write('ustar\0', 257, 6, 'ascii');
  block.write('00', 263, 2, 'ascii');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return block;
}

/** Appends entries to an archive open for writing, from offset 0. */
export class TarWriter {
  private position = 0;

  constructor(
    private readonly out: FileHandle,
    private readonly mtimeSeconds: number,
  ) {}

  /** An entry from memory. */
  async add(name: string, mode: number, data: Uint8Array): Promise<void> {
    await this.write(header(name, mode, data.length, this.mtimeSeconds));
    await this.write(data);
    await this.pad(data.length);
  }

  /** An entry copied from another file, `size` bytes from its start. */
  async addFrom(name: string, mode: number, source: FileHandle, size: number): Promise<void> {
    await this.write(header(name, mode, size, this.mtimeSeconds));
    const buffer = Buffer.alloc(Math.min(CHUNK, Math.max(size, 1)));
    for (let done = 0; done < size;) {
      const { bytesRead } = await source.read(buffer, 0, Math.min(buffer.length, size - done), done);
      if (bytesRead === 0) throw new OtherixError('internal', `tar: ${name} ended at ${done} of ${size} bytes while it was copied`);
      await this.write(buffer.subarray(0, bytesRead));
      done += bytesRead;
    }
    await this.pad(size);
  }

  /** The end-of-archive marker: two zero blocks. */
  async finish(): Promise<void> {
    await this.write(Buffer.alloc(2 * BLOCK));
  }

  private async pad(size: number): Promise<void> {
    const rest = size % BLOCK;
    if (rest !== 0) await this.write(Buffer.alloc(BLOCK - rest));
  }

  private async write(data: Uint8Array): Promise<void> {
    for (let done = 0; done < data.length;) {
      const { bytesWritten } = await this.out.write(data, done, data.length - done, this.position);
      done += bytesWritten;
      this.position += bytesWritten;
    }
  }
}

function field(block: Buffer, start: number, length: number): string {
  const raw = block.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? length : end).toString('utf8');
}

function number(block: Buffer, start: number, length: number, what: string, at: number): number {
  const text = field(block, start, length).trim();
  if (!/^[0-7]+$/.test(text)) throw malformed(`the entry header at byte ${at} has no valid ${what}`);
  return Number.parseInt(text, 8);
}

/** Lists the regular-file entries of an archive; anything else (links, folders, devices) is refused. */
export async function readTarEntries(archive: FileHandle, archiveSize: number): Promise<TarEntry[]> {
  const entries: TarEntry[] = [];
  const block = Buffer.alloc(BLOCK);
  let position = 0;
  for (;;) {
    if (position + BLOCK > archiveSize) throw malformed(`the archive ends at byte ${archiveSize} without its end marker: it was cut short`);
    const { bytesRead } = await archive.read(block, 0, BLOCK, position);
    if (bytesRead !== BLOCK) throw malformed(`the archive could not be read at byte ${position}`);
    if (block.every((byte) => byte === 0)) return entries;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i];
    if (number(block, 148, 8, 'checksum', position) !== sum)
      throw malformed(`the entry header at byte ${position} is damaged (checksum mismatch)`);
    const name = field(block, 0, 100);
    const type = field(block, 156, 1);
    if (type !== '0' && type !== '')
      throw malformed(`${name} is not a regular file (tar type ${JSON.stringify(type)}): not an otherix backup`);
    const size = number(block, 124, 12, 'size', position);
    const offset = position + BLOCK;
    if (offset + size > archiveSize) throw malformed(`${name} should hold ${size} bytes but the archive ends first: it was cut short`);
    entries.push({ name, mode: number(block, 100, 8, 'mode', position), size, offset });
    position = offset + Math.ceil(size / BLOCK) * BLOCK;
  }
}

/** Reads an entry whole (for the small ones). */
export async function readTarEntry(archive: FileHandle, entry: TarEntry): Promise<Buffer> {
  const buffer = Buffer.alloc(entry.size);
  for (let done = 0; done < entry.size;) {
    const { bytesRead } = await archive.read(buffer, done, entry.size - done, entry.offset + done);
    if (bytesRead === 0) throw malformed(`${entry.name} could not be read whole`);
    done += bytesRead;
  }
  return buffer;
}

/** Streams an entry's content in chunks (for the database). */
export async function* tarEntryChunks(archive: FileHandle, entry: TarEntry): AsyncGenerator<Buffer> {
  const buffer = Buffer.alloc(Math.min(CHUNK, Math.max(entry.size, 1)));
  for (let done = 0; done < entry.size;) {
    const { bytesRead } = await archive.read(buffer, 0, Math.min(buffer.length, entry.size - done), entry.offset + done);
    if (bytesRead === 0) throw malformed(`${entry.name} could not be read whole`);
    done += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}
