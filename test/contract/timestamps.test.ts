// isoTimestamp formats every API time (three per node on a list page) by hand for speed: it must
// give exactly what Date#toISOString gives, across day, month, year and leap boundaries, before
// 1970, at the edges of the four-digit years, and for inputs it hands back to Date.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { isoTimestamp } from '@otherix/server';

const DAY = 86_400_000;

function same(t: ExecutionContext, ms: number): void {
  t.is(isoTimestamp(ms), new Date(ms).toISOString(), `at ${ms}`);
}

test('boundaries: epoch, day ends, leap days, year ends, before 1970', (t) => {
  const points = [
    0,
    1,
    999,
    1000,
    DAY - 1,
    DAY,
    -1,
    -DAY,
    -DAY - 1,
    Date.UTC(2024, 1, 29, 23, 59, 59, 999),
    Date.UTC(2024, 2, 1),
    Date.UTC(2100, 1, 28, 23, 59, 59, 999),
    Date.UTC(2100, 2, 1),
    Date.UTC(2026, 11, 31, 23, 59, 59, 999),
    Date.UTC(2027, 0, 1),
    Date.UTC(1969, 11, 31, 23, 59, 59, 999),
    Date.UTC(1900, 0, 1, 0, 0, 0, 1),
    Date.UTC(0, 0, 1) - 0, // JavaScript maps year 0 to 1900; the next line has the real first instant of year 0000
    -62_167_219_200_000,
    253_402_300_799_999,
  ];
  for (const ms of points) same(t, ms);
});

test("outside four-digit years and non-integers are Date's own", (t) => {
  for (const ms of [-62_167_219_200_001, 253_402_300_800_000, 8.64e15, -8.64e15, 1.5, 1700000000000.25]) same(t, ms);
  t.throws(() => isoTimestamp(Number.NaN), { instanceOf: RangeError });
});

test('20,000 pseudo-random instants within 1,900 years of 1970, and every millisecond of one second', (t) => {
  let seed = 42;
  const next = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 20_000; i++) same(t, Math.floor((next() * 2 - 1) * 60_000_000_000_000));
  const base = Date.UTC(2026, 10, 27, 9, 59, 59);
  for (let ms = 0; ms < 1000; ms++) t.is(isoTimestamp(base + ms), new Date(base + ms).toISOString());
});
