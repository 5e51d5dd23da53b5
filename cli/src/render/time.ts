import { formatDuration } from '@otherix/sdk';

/** RFC 3339 in UTC without milliseconds, as the seed prints `Expires:`. */
export function formatTimestamp(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** How long ago, Go style to the second: `12s ago`, `3m4s ago`; `never` for null. */
export function formatAge(iso: string | null, now: number = Date.now()): string {
  if (iso === null) return 'never';
  const then = new Date(iso).getTime();
  if (Number.isNaN(then)) return iso;
  const seconds = Math.max(0, Math.floor((now - then) / 1000));
  return `${formatDuration(seconds * 1000)} ago`;
}

/** A TTL in seconds as Go prints a duration: 600 -> `10m0s`. */
export function formatSeconds(seconds: number): string {
  return formatDuration(seconds * 1000);
}
