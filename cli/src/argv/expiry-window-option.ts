// `--expiring-within DURATION` (node list): days allowed (`7d`, `36h`, `90m`), turned into the
// API's `cert_expires_before` (now + the duration, RFC 3339).
import { parseDurationWithDays } from '@otherix/sdk';
import type { CommandInput } from '../command-table.js';
import { UsageError } from '../errors.js';
import { stringOption } from './option-values.js';

/** The flag's text and the instant it names, or undefined when absent. */
export function expiryWindowOption(input: CommandInput, flag: string, now: number = Date.now()): { text: string; before: string } | undefined {
  const text = stringOption(input, flag);
  if (text === undefined) return undefined;
  let ms: number;
  try {
    ms = parseDurationWithDays(text);
  } catch {
    throw new UsageError(`--${flag} must be a duration such as 7d, 36h or 30m, got "${text}"`);
  }
  const before = now + ms;
  if (!Number.isFinite(before) || before > Date.UTC(9999, 11, 31)) throw new UsageError(`--${flag} ${text} is too long`);
  return { text, before: new Date(before).toISOString() };
}
