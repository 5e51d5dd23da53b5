// A wrong clock poisons everything the CP decides by time (node status, token expiry, the
// certificates it issues). At start the CP compares its clock with the newest time its database
// records and with its CA's notBefore, and says so loudly when they disagree.
import { X509Certificate } from 'node:crypto';
import type { DatabaseInspection } from '../store/sqlite/inspect.js';
import { isoTimestamp } from '../timestamps.js';

/** A database time further ahead of the clock than this means the clock moved back (or was ahead). */
const CLOCK_AHEAD_WARNING_MS = 10 * 60 * 1000;

/** `400 days`, `3 hours`, `12 minutes`: the size of a clock error, for a person. */
function roughDuration(ms: number): string {
  const units: [string, number][] = [
    ['day', 86_400_000],
    ['hour', 3_600_000],
    ['minute', 60_000],
  ];
  for (const [unit, size] of units) {
    const n = Math.floor(ms / size);
    if (n >= 1) return `${n} ${unit}${n === 1 ? '' : 's'}`;
  }
  return `${Math.round(ms / 1000)} seconds`;
}

const CHECK_THE_CLOCK =
  "check the host's time source (timedatectl status; chronyc tracking): node status, token expiry and the certificates the CP issues all follow this clock";

export function clockWarnings(database: DatabaseInspection, caCertPem: string, now: number): string[] {
  const warnings: string[] = [];
  if (database.state === 'initialized' && database.latestTime !== undefined && database.latestTime - now > CLOCK_AHEAD_WARNING_MS) {
    warnings.push(
      `THE CLOCK LOOKS WRONG: otherix.db records times up to ${isoTimestamp(database.latestTime)}, ${roughDuration(database.latestTime - now)} ahead of this host's clock (${isoTimestamp(now)}). ` +
        `Either the clock is behind now, or it was ahead when those were written; ${CHECK_THE_CLOCK}`,
    );
  }
  const caNotBefore = Date.parse(new X509Certificate(caCertPem).validFrom);
  if (caNotBefore > now) {
    warnings.push(
      `THE CLOCK LOOKS WRONG: the cluster CA is valid only from ${isoTimestamp(caNotBefore)}, ${roughDuration(caNotBefore - now)} ahead of this host's clock (${isoTimestamp(now)}): ` +
        `every client refuses it (certificate not yet valid) until then. The CA was made while the clock was ahead, or the clock is behind now; ${CHECK_THE_CLOCK}`,
    );
  }
  return warnings;
}
