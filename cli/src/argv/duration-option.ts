import { parseDuration } from '@otherix/sdk';
import { UsageError } from '../errors.js';
import type { CommandInput } from '../command-table.js';
import { stringOption } from './option-values.js';

/**
 * A Go-style duration flag (`90s`, `10m`, `1h30m`) in whole seconds, or undefined when absent.
 * A sub-second value rounds up to 1s; with `atMost`, longer values are capped there (for a TTL
 * the CP clamps anyway, so any duration the user gives is sent as one the API accepts).
 */
export function durationSecondsOption(input: CommandInput, flag: string, fallback?: string, atMost?: number): number | undefined {
  const text = stringOption(input, flag) ?? fallback;
  if (text === undefined) return undefined;
  let milliseconds: number;
  try {
    milliseconds = parseDuration(text);
  } catch {
    throw new UsageError(`--${flag} must be a duration such as 90s, 10m or 1h30m, got "${text}"`);
  }
  const seconds = Math.ceil(milliseconds / 1000);
  if (!Number.isFinite(seconds) || seconds < 1) {
    throw new UsageError(`--${flag} must be at least 1s, got "${text}"`);
  }
  return atMost === undefined ? seconds : Math.min(seconds, atMost);
}
