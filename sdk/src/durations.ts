// Durations with Go's time.ParseDuration / Duration.String semantics, because the seed prints
// Go-style values ('10m0s') and operators paste them back. Internally: milliseconds.
import { OtherixError } from './errors.js';

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3, // U+00B5 micro sign
  'μs': 1e-3, // U+03BC Greek mu
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

function invalid(text: string, why: string): OtherixError {
  return new OtherixError(
    'invalid_duration',
    `invalid duration ${JSON.stringify(text)}: ${why}; use a number with a unit, like 90s, 10m, 1h30m, 1.5h or 500ms`,
  );
}

/**
 * Parses '90s', '10m', '1h30m', '1.5h', '500ms' into milliseconds. A bare '0' is 0. Negative
 * durations are refused (every Otherix duration is a length of time), as are unit-less numbers.
 * Sub-millisecond parts are rounded to the nearest millisecond.
 * @throws OtherixError `invalid_duration` for anything else (the message shows the accepted forms).
 * @example
 * await client.joinTokens.create({ ttl_seconds: parseDuration('1h') / 1000 });
 */
export function parseDuration(text: string): number {
  if (typeof text !== 'string') throw invalid(String(text), 'not a string');
  const s = text.trim();
  if (s === '') throw invalid(text, 'empty');
  if (s === '0' || s === '+0') return 0;
  if (s.startsWith('-')) throw invalid(text, 'negative durations are not allowed');
  let rest = s.startsWith('+') ? s.slice(1) : s;
  if (rest === '') throw invalid(text, 'no number');
  let total = 0;
  const part = /^(\d*)(?:\.(\d*))?([a-zµμ]+)/;
  while (rest !== '') {
    const match = part.exec(rest);
    if (match === null) {
      throw invalid(text, /^[\d.]+$/.test(rest) ? 'missing unit' : `cannot read ${JSON.stringify(rest)}`);
    }
    const [whole, intPart = '', fracPart, unit = ''] = match;
    if (intPart === '' && (fracPart === undefined || fracPart === '')) throw invalid(text, 'a unit without a number');
    const unitMs = UNIT_MS[unit];
    if (unitMs === undefined) throw invalid(text, `unknown unit ${JSON.stringify(unit)} (ns, us, ms, s, m, h)`);
    const value = Number(`${intPart === '' ? '0' : intPart}.${fracPart ?? ''}0`);
    total += value * unitMs;
    rest = rest.slice(whole.length);
  }
  if (!Number.isFinite(total) || total > Number.MAX_SAFE_INTEGER) throw invalid(text, 'too large');
  return Math.round(total);
}

/**
 * Formats like Go's Duration.String: 600000 -> '10m0s', 90000 -> '1m30s', 500 -> '500ms', 0 -> '0s'.
 * @throws nothing
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms))
    throw new OtherixError('invalid_duration', `cannot format ${ms} as a duration: it is not a finite number of milliseconds`);
  const negative = ms < 0;
  const abs = Math.round(Math.abs(ms));
  if (abs === 0) return '0s';
  const sign = negative ? '-' : '';
  if (abs < 1000) return `${sign}${abs}ms`;
  const hours = Math.floor(abs / 3_600_000);
  const minutes = Math.floor((abs % 3_600_000) / 60_000);
  const millis = abs % 60_000;
  const seconds = Math.floor(millis / 1000);
  const frac = millis % 1000;
  const secondsText = frac === 0 ? `${seconds}` : `${seconds}.${String(frac).padStart(3, '0').replace(/0+$/, '')}`;
  let out = `${secondsText}s`;
  if (hours > 0) out = `${hours}h${minutes}m${out}`;
  else if (minutes > 0) out = `${minutes}m${out}`;
  return sign + out;
}
