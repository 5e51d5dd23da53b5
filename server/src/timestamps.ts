// RFC 3339 timestamps for the API, from the epoch milliseconds the store keeps: one formatter for
// every time the CP writes in TypeScript (a node, token lists, refusal messages, PostgreSQL's list
// pages: store/postgres/node-json.ts; SQLite's list pages get theirs from SQLite, node-json-sql.ts).
// A leaf, so services and the store share it. Date#toISOString costs ~0.5 us a time, this
// ~0.1 us, by formatting the date part once per day and the time by hand.

const DAY_MS = 86_400_000;
/** Dates of day numbers seen lately; cleared when full (a day's prefix is cheap to rebuild). */
const datePrefixes = new Map<number, string>();
const MAX_CACHED_DAYS = 4096;
/** 0000-01-01 and 9999-12-31: outside, toISOString's six-digit years apply. */
const FIRST_MS = -62_167_219_200_000;
const END_MS = 253_402_300_800_000;

const two = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
const three = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/** `YYYY-MM-DDTHH:MM:SS.sssZ`, exactly what `new Date(ms).toISOString()` gives. */
export function isoTimestamp(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < FIRST_MS || ms >= END_MS) return new Date(ms).toISOString();
  const day = Math.floor(ms / DAY_MS);
  let prefix = datePrefixes.get(day);
  if (prefix === undefined) {
    if (datePrefixes.size >= MAX_CACHED_DAYS) datePrefixes.clear();
    prefix = new Date(day * DAY_MS).toISOString().slice(0, 11); // YYYY-MM-DDT
    datePrefixes.set(day, prefix);
  }
  let rest = ms - day * DAY_MS;
  const millis = rest % 1000;
  rest = (rest - millis) / 1000;
  const seconds = rest % 60;
  rest = (rest - seconds) / 60;
  const minutes = rest % 60;
  const hours = (rest - minutes) / 60;
  return `${prefix}${two(hours)}:${two(minutes)}:${two(seconds)}.${three(millis)}Z`;
}

/** isoTimestamp, with null for a time that is not set. */
export const isoTimestampOrNull = (ms: number | null): string | null => (ms === null ? null : isoTimestamp(ms));
