import { parseDuration } from '@otherix/sdk';
import { UsageError } from '../errors.js';
import type { CommandInput } from '../command-table.js';
import { stringOption } from './option-values.js';

/** A Go-style duration flag (`90s`, `10m`, `1h30m`) in whole seconds, or undefined when absent. */
export function durationSecondsOption(input: CommandInput, flag: string, fallback?: string): number | undefined {
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
  return seconds;
}
