// Room for the files, checked before the token is spent: a host whose disk is full must find out
// while the token is still good, and be told it is the host's disk, not the control plane.
//
// What the set takes: the cert dir holds three small files in a generation folder, three
// symlinks and `..data`, and each atomic write has a temp file beside its target, so about 11
// file-system blocks and 12 inodes at the peak; agent.yaml and its temp file take 2 of each. We
// reserve four times that (with at least 256 KiB and 64 KiB), so the write cannot run out half
// way and the join does not take the last blocks the host's logs need. A few free pages are not
// enough.
import { stat, statfs } from 'node:fs/promises';
import { OtherixError } from '../errors.js';

export interface SpaceNeed {
  folder: string;
  /** The flag that sets it, named in the message (`--cert-dir`). */
  flag: string;
  /** File-system blocks and inodes the files take at the peak of the write. */
  blocks: number;
  inodes: number;
  /** At least this many bytes, whatever the block size. */
  minBytes: number;
}

/** Four times the peak, so a join never takes the last of a disk. */
const SPACE_MARGIN = 4;
export const CERT_SET_NEED = { blocks: 11, inodes: 12, minBytes: 256 * 1024 } as const;
export const AGENT_CONFIG_NEED = { blocks: 2, inodes: 2, minBytes: 64 * 1024 } as const;

interface Requirement {
  bytes: number;
  inodes: number;
  available: { bytes: number; inodes: number; checkInodes: boolean };
  needs: SpaceNeed[];
}

/**
 * Throws `insufficient_space` (the token not used) when a folder's file system has less room than
 * its files need with the margin; folders on one file system add their needs up. The folders must
 * exist (prepareFolders made them).
 */
export async function assertFreeSpace(needs: readonly SpaceNeed[]): Promise<void> {
  const byDevice = new Map<number, Requirement>();
  for (const need of needs) {
    const [info, fs] = await Promise.all([stat(need.folder), statfs(need.folder)]);
    // root may write into the blocks a file system keeps back for it (ext4's 5%); others may not.
    const freeBlocks = process.geteuid?.() === 0 ? fs.bfree : fs.bavail;
    const bytes = Math.max(need.minBytes, need.blocks * SPACE_MARGIN * fs.bsize);
    const requirement = byDevice.get(info.dev) ?? {
      bytes: 0,
      inodes: 0,
      // Some file systems (btrfs) report no inode counts: nothing to check there.
      available: { bytes: freeBlocks * fs.bsize, inodes: fs.ffree, checkInodes: fs.files > 0 },
      needs: [],
    };
    requirement.bytes += bytes;
    requirement.inodes += need.inodes * SPACE_MARGIN;
    requirement.needs.push(need);
    byDevice.set(info.dev, requirement);
  }
  for (const requirement of byDevice.values()) {
    const { available } = requirement;
    const lacksBytes = available.bytes < requirement.bytes;
    const lacksInodes = available.checkInodes && available.inodes < requirement.inodes;
    if (!lacksBytes && !lacksInodes) continue;
    const where = requirement.needs.map((need) => `${need.folder} (${need.flag})`).join(' and ');
    const what = lacksBytes
      ? `${formatBytes(available.bytes)} free, and the node's files need ${formatBytes(requirement.bytes)} with margin`
      : `${available.inodes} free inodes, and the node's files need ${requirement.inodes} with margin`;
    throw new OtherixError(
      'insufficient_space',
      `not enough room on this host for ${where}: ${what}: free space on that file system, or pass another ${requirement.needs.map((need) => need.flag).join(' / ')}; the join token was not used`,
      {
        details: {
          folders: requirement.needs.map((need) => need.folder),
          available_bytes: available.bytes,
          required_bytes: requirement.bytes,
          ...(available.checkInodes ? { available_inodes: available.inodes, required_inodes: requirement.inodes } : {}),
        },
      },
    );
  }
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${Math.floor(bytes / 1024)} KiB`;
  return `${bytes} bytes`;
}
