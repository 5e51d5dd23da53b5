// Flags declared once, as data: cac matches them and shows them in --help, and their values are
// read here, word for word from argv, checked and typed, so a command sees `{ ttl: number;
// nodeName: string | undefined }` and never argv. cac (mri) alone would turn `--node-name 007`
// into 7 and `''` into 0, a repeated flag into an array, and `--max-uses -1` into an unknown
// flag `-1`: each is said here as what it is, a usage error (exit 2) naming the flag.
import { OtherixError } from '../errors.js';
import { parseDuration } from '../durations.js';
import { parseDurationWithDays } from '../long-durations.js';
import { verbatimFlagValue } from './flag-values.js';

/** How a flag's value is read. */
export type FlagKind =
  | { type: 'string' }
  /** A flag without a value: true when given. */
  | { type: 'switch' }
  /** A whole number from min to max. */
  | { type: 'integer'; min: number; max: number }
  /** A Go-style duration (`90s`, `1h30m`) in whole seconds, at least 1s, capped at `atMost`. */
  | { type: 'seconds'; atMost?: number }
  /** A duration that may count days (`7d`, `1d12h`, `36h`, `90m`) in milliseconds, capped at `atMost`. */
  | { type: 'long-duration'; atMost: number }
  | { type: 'choice'; choices: readonly string[] };

export interface FlagSpec {
  /** cac's raw name: `--ttl <duration>`; a switch has no `<value>`. */
  flag: string;
  description: string;
  kind: FlagKind;
  /** The value when the flag is absent; --help shows it. */
  default?: string;
  /** Absent (and no default): a usage error. */
  required?: true;
}

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

type KindValue<K extends FlagKind> = K extends { type: 'switch' }
  ? boolean
  : K extends { type: 'integer' | 'seconds' | 'long-duration' }
    ? number
    : K extends { type: 'choice'; choices: readonly (infer C)[] }
      ? C
      : string;

/** A switch is false when absent; any other flag is undefined unless it has a default or is required. */
type FlagValue<S extends FlagSpec> = S['kind'] extends { type: 'switch' }
  ? boolean
  : S extends { default: string } | { required: true }
    ? KindValue<S['kind']>
    : KindValue<S['kind']> | undefined;

export type FlagValues<F extends FlagSpecs> = { -readonly [K in keyof F]: FlagValue<F[K]> };

/** Declares a flag, keeping its literal types (choices, default) for FlagValues. */
export function flagSpec<const S extends FlagSpec>(spec: S): S {
  return spec;
}

/** `--ttl <duration>` -> `ttl`. */
function flagName(spec: FlagSpec): string {
  return spec.flag.split(' ')[0].replace(/^--/, '');
}

/** Whether the flag takes a value (`--ttl <duration>`), as opposed to a switch. */
function takesValue(spec: FlagSpec): boolean {
  return /[<[]/.test(spec.flag);
}

/** `--output`, ... : the flags of `specs` that take a value. */
export function valueFlags(specs: Iterable<FlagSpec>): Set<string> {
  return new Set([...specs].filter(takesValue).map((spec) => `--${flagName(spec)}`));
}

/**
 * Refuses `--max-uses -1` (mri would read `-1` as an unknown flag): says the value must not be
 * negative. `hint` ends the message (`: run \`otherix node list --help\``).
 */
export function refuseNegativeValues(argv: readonly string[], specs: Iterable<FlagSpec>, hint = ''): void {
  const valued = valueFlags(specs);
  argv.forEach((arg, index) => {
    const next = argv[index + 1];
    if (valued.has(arg) && next !== undefined && /^-\d/.test(next)) {
      throw new OtherixError('usage', `${arg} must not be negative, got "${next}"${hint}`);
    }
  });
}

/**
 * The typed value of each flag: value flags read word for word from `argv`, switches from
 * cac's parsed options (`parsed`, camelCased keys). Throws OtherixError 'usage' naming the flag.
 */
export function readFlags<const F extends FlagSpecs>(
  argv: readonly string[],
  parsed: Readonly<Record<string, unknown>>,
  specs: F,
): FlagValues<F> {
  const values: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs)) values[key] = readFlag(argv, parsed, spec);
  return values as FlagValues<F>;
}

function readFlag(argv: readonly string[], parsed: Readonly<Record<string, unknown>>, spec: FlagSpec): unknown {
  const name = flagName(spec);
  if (spec.kind.type === 'switch') return readSwitch(parsed[camelCase(name)], name);
  const text = verbatimFlagValue(argv, name) ?? spec.default;
  if (text === undefined) {
    if (spec.required !== true) return undefined;
    const choices = spec.kind.type === 'choice' ? `: one of ${spec.kind.choices.join(', ')}` : '';
    throw new OtherixError('usage', `--${name} is required${choices}`);
  }
  switch (spec.kind.type) {
    case 'string':
      return text;
    case 'integer':
      return integerValue(text, name, spec.kind.min, spec.kind.max);
    case 'seconds':
      return secondsValue(text, name, spec.kind.atMost);
    case 'long-duration':
      return longDurationValue(text, name, spec.kind.atMost);
    case 'choice':
      return choiceValue(text, name, spec.kind.choices);
  }
}

function readSwitch(value: unknown, name: string): boolean {
  if (value === undefined || value === false) return false;
  if (value === true) return true;
  // cac collects a repeated flag into an array.
  if (Array.isArray(value)) throw new OtherixError('usage', `--${name} given twice: give it once`);
  throw new OtherixError('usage', `--${name} takes no value`);
}

function integerValue(text: string, name: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new OtherixError('usage', `--${name} must be a whole number from ${min} to ${max}, got "${text}"`);
  }
  return Number(text);
}

function secondsValue(text: string, name: string, atMost: number | undefined): number {
  let milliseconds: number;
  try {
    milliseconds = parseDuration(text);
  } catch (error) {
    throw new OtherixError('usage', `--${name} must be a duration such as 90s, 10m or 1h30m, got "${text}"`, { cause: error });
  }
  // A sub-second value rounds up to 1s; a longer one than `atMost` is capped there.
  const seconds = Math.ceil(milliseconds / 1000);
  if (!Number.isFinite(seconds) || seconds < 1) throw new OtherixError('usage', `--${name} must be at least 1s, got "${text}"`);
  return atMost === undefined ? seconds : Math.min(seconds, atMost);
}

function longDurationValue(text: string, name: string, atMost: number): number {
  let milliseconds: number;
  try {
    milliseconds = parseDurationWithDays(text);
  } catch (error) {
    throw new OtherixError('usage', `--${name} must be a duration such as 7d, 36h or 30m, got "${text}"`, { cause: error });
  }
  return Math.min(milliseconds, atMost);
}

function choiceValue(text: string, name: string, choices: readonly string[]): string {
  if (choices.includes(text)) return text;
  const allowed = choices.length === 2 ? `${choices[0]} or ${choices[1]}` : `one of ${choices.join(', ')}`;
  throw new OtherixError('usage', `--${name} must be ${allowed}, got "${text}"`);
}

/** `max-uses` -> `maxUses`, as cac names parsed options. */
function camelCase(name: string): string {
  return name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}
