// How long until a time, for a certificate's end: `in 29d`, `in 3h12m0s`, `expired 2m0s ago`.
import { formatDurationWithDays } from '@otherix/sdk';

export function formatTimeLeft(iso: string, now: number = Date.now()): string {
  const then = new Date(iso).getTime();
  if (Number.isNaN(then)) return iso;
  const seconds = Math.floor((then - now) / 1000);
  // Whole days are enough past a day; to the second below it.
  const shown = (s: number): string => formatDurationWithDays(s >= 86_400 ? Math.floor(s / 86_400) * 86_400_000 : s * 1000);
  return seconds >= 0 ? `in ${shown(seconds)}` : `expired ${shown(-seconds)} ago`;
}
