// Durations that may be days long: certificate lifetimes (`--node-cert-lifetime 30d`) and
// expiry windows (`--expiring-within 7d`). Go's time.ParseDuration has no day unit, and the
// other flags keep its exact syntax (durations.ts); here a leading `<n>d` (24 h each) may come
// before Go-style parts: `30d`, `1d12h`, `36h`, `90s`.
import { formatDuration, parseDuration } from './durations.js';
import { OtherixError } from './errors.js';

export const DAY_MS = 86_400_000;

/** Milliseconds of `30d`, `1d12h`, `12h`, `90s`; throws invalid_duration like parseDuration. */
export function parseDurationWithDays(text: string): number {
  const match = /^\s*\+?(\d+(?:\.\d+)?)d(.*)$/.exec(String(text));
  if (match === null) return parseDuration(text);
  const rest = match[2].trimEnd();
  const days = Number(match[1]) * DAY_MS;
  if (rest === '') return Math.round(days);
  const invalid = new OtherixError(
    'invalid_duration',
    `invalid duration ${JSON.stringify(text)}: use days then Go-style parts, like 30d, 1d12h, 36h or 90s`,
  );
  // Parts with their units only: a bare number (`7d0`), a second sign or a space is a typo.
  if (!/^\d*(?:\.\d*)?[a-zµμ]/.test(rest)) throw invalid;
  try {
    return Math.round(days + parseDuration(rest));
  } catch {
    throw invalid;
  }
}

/** `30d`, `1d12h0m0s`, or Go's form under a day (`10m0s`). */
export function formatDurationWithDays(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  if (days === 0 || ms < 0) return formatDuration(ms);
  const rest = ms - days * DAY_MS;
  return rest === 0 ? `${days}d` : `${days}d${formatDuration(rest)}`;
}
