// File descriptors, watched: when a process runs out, libuv accepts and closes new connections
// silently (clients see resets, the server sees nothing), so the CP samples its own use
// (/proc/self/fd against the soft RLIMIT_NOFILE) and raises the resource alarm near the limit.
// Linux only; elsewhere the watch does nothing.
import { readdir, readFile } from 'node:fs/promises';
import type { ResourceAlarm } from './resource-alarm.js';

const DESCRIPTOR_CHECK_INTERVAL_MS = 5000;
/** The alarm goes off at this share of the limit and ends below RECOVER_SHARE. */
const ALARM_SHARE = 0.9;
const RECOVER_SHARE = 0.8;

interface DescriptorUsage {
  open: number;
  limit: number;
}

async function descriptorUsage(): Promise<DescriptorUsage | undefined> {
  let limits: string;
  try {
    limits = await readFile('/proc/self/limits', 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined; // not Linux
    throw error;
  }
  const limit = /^Max open files\s+(\d+)/m.exec(limits)?.[1];
  if (limit === undefined) return undefined; // unlimited
  // readdir holds one descriptor of its own while it reads.
  return { open: (await readdir('/proc/self/fd')).length - 1, limit: Number(limit) };
}

export function watchDescriptors(
  alarm: ResourceAlarm,
  intervalMs = DESCRIPTOR_CHECK_INTERVAL_MS,
): { check(): Promise<void>; stop(): void } {
  const check = async (): Promise<void> => {
    try {
      const usage = await descriptorUsage();
      if (usage === undefined) return;
      if (usage.open >= usage.limit * ALARM_SHARE) {
        alarm.failed({ code: 'EMFILE' }, 'descriptor watch', `${usage.open} open of a limit of ${usage.limit}`);
      } else if (usage.open < usage.limit * RECOVER_SHARE) {
        alarm.recovered('file_descriptors');
      }
    } catch (error) {
      // Out of descriptors, reading /proc fails with EMFILE itself.
      alarm.failed(error, 'descriptor watch');
    }
  };
  const timer = setInterval(() => void check(), intervalMs);
  timer.unref();
  return { check, stop: () => clearInterval(timer) };
}
