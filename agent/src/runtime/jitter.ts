// The heartbeat cadence's jitter: a fleet restarted together must not beat in lockstep.

export const HEARTBEAT_JITTER = 0.1;

/** The interval ±HEARTBEAT_JITTER. */
export function jittered(intervalMs: number, random: () => number): number {
  return Math.max(1, Math.round(intervalMs * (1 + HEARTBEAT_JITTER * (2 * random() - 1))));
}
