// Durations with Go's time.ParseDuration / Duration.String semantics, in milliseconds.
import test from 'ava';
import { formatDuration, isOtherixError, parseDuration } from '@otherix/sdk';

const parsed: Array<[string, number]> = [
  ['90s', 90_000],
  ['10m', 600_000],
  ['1h30m', 5_400_000],
  ['1.5h', 5_400_000],
  ['300ms', 300],
  ['500ms', 500],
  ['0', 0],
  ['0s', 0],
  ['24h', 86_400_000],
  ['1h0m0s', 3_600_000],
  ['10m0s', 600_000],
  ['1m30s', 90_000],
  ['1.5s', 1_500],
  ['.5s', 500],
  ['2h45m30.5s', 9_930_500],
  ['1000us', 1],
  ['1000000ns', 1],
  ['+5s', 5_000],
];

for (const [text, ms] of parsed) {
  test(`parseDuration(${JSON.stringify(text)}) = ${ms}`, (t) => {
    t.is(parseDuration(text), ms);
  });
}

for (const text of ['soon', '-1m', '10', '', '1x', 'h', '1h-5m', '1.h.5', '.s', '1 h', '5d', '   ']) {
  test(`parseDuration(${JSON.stringify(text)}) -> invalid_duration`, (t) => {
    const error = t.throws(() => parseDuration(text));
    t.true(isOtherixError(error, 'invalid_duration'), String(error));
    t.regex(error.message, /90s|10m/); // says what a valid one looks like
  });
}

const formatted: Array<[number, string]> = [
  [600_000, '10m0s'],
  [86_400_000, '24h0m0s'],
  [3_600_000, '1h0m0s'],
  [90_000, '1m30s'],
  [1_500, '1.5s'],
  [500, '500ms'],
  [0, '0s'],
  [1_000, '1s'],
  [61_001, '1m1.001s'],
  [5_400_000, '1h30m0s'],
  [-90_000, '-1m30s'],
];

for (const [ms, text] of formatted) {
  test(`formatDuration(${ms}) = ${text}`, (t) => {
    t.is(formatDuration(ms), text);
  });
}

test('format then parse round-trips', (t) => {
  for (const ms of [1, 999, 1_000, 59_999, 60_000, 3_599_999, 3_600_000, 86_400_000 * 30 + 1]) {
    t.is(parseDuration(formatDuration(ms)), ms);
  }
});

test('formatDuration refuses non-finite numbers', (t) => {
  t.true(
    isOtherixError(
      t.throws(() => formatDuration(Number.NaN)),
      'invalid_duration',
    ),
  );
});
