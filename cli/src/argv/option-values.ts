// Flag values checked before anything is sent: a bad value is a usage error (exit 2) that
// names the flag and what it accepts.
import { verbatimFlagValue } from '@otherix/sdk';
import { UsageError } from '../errors.js';
import type { CommandInput } from '../command-table.js';

export type OutputFormat = 'text' | 'json';

/**
 * The verbatim text of a string flag (the SDK's verbatimFlagValue, shared with otherix-agent):
 * a missing or empty value, or the flag given twice, is a usage error.
 */
export function stringOption(input: CommandInput, flag: string): string | undefined {
  return verbatimFlagValue(input.argv, flag);
}

export function outputFormat(input: CommandInput): OutputFormat {
  const value = stringOption(input, 'output') ?? 'text';
  if (value !== 'text' && value !== 'json') {
    throw new UsageError(`--output must be text or json, got "${value}"`);
  }
  return value;
}

/** A whole number from `min` to `max`, or undefined when the flag is absent. */
export function integerOption(input: CommandInput, flag: string, min: number, max: number): number | undefined {
  const text = stringOption(input, flag);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`--${flag} must be a whole number from ${min} to ${max}, got "${text}"`);
  }
  return Number(text);
}

export function limitOption(input: CommandInput): number | undefined {
  return integerOption(input, 'limit', 1, 500);
}

export function booleanOption(input: CommandInput, camelName: string): boolean {
  const value = input.options[camelName];
  if (value === undefined || value === false) return false;
  if (value === true) return true;
  const flag = `--${camelName.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
  // cac collects a repeated flag into an array.
  if (Array.isArray(value)) throw new UsageError(`${flag} given twice: give it once`);
  throw new UsageError(`${flag} takes no value`);
}

/** One of a fixed set of words, or undefined when the flag is absent. */
export function choiceOption<T extends string>(input: CommandInput, flag: string, choices: readonly T[]): T | undefined {
  const value = stringOption(input, flag);
  if (value === undefined) return undefined;
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`--${flag} must be one of ${choices.join(', ')}, got "${value}"`);
  }
  return value as T;
}

export function requiredString(input: CommandInput, flag: string): string {
  const value = stringOption(input, flag);
  if (value === undefined || value === '') throw new UsageError(`--${flag} is required`);
  return value;
}
