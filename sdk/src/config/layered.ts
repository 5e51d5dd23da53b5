// Layered configuration, koanf-style, one implementation for every binary:
// defaults < YAML file < OTHERIX_* environment < flags. Keys are flat and dotted
// ('bootstrap.ca_fingerprint'); in the environment '__' nests: OTHERIX_BOOTSTRAP__CA_FINGERPRINT.
import { CORE_SCHEMA, dump, load } from 'js-yaml';
import { OtherixError } from '../errors.js';
import { parseDuration } from '../durations.js';
import { readFileCapped } from '../files/read-capped.js';

export type ConfigValueKind = 'string' | 'number' | 'integer' | 'boolean' | 'duration';

export interface ConfigKeySpec {
  kind: ConfigValueKind;
  default?: unknown;
}

export type ConfigSchema = Record<string, ConfigKeySpec>;

export type ConfigSource = 'default' | 'file' | 'env' | 'flag';

export interface LoadConfigOptions {
  schema: ConfigSchema;
  file?: string;
  fileRequired?: boolean;
  env?: NodeJS.ProcessEnv;
  envPrefix?: string;
  flags?: Record<string, unknown>;
}

export interface LoadedConfig {
  values: Record<string, unknown>;
  sources: Record<string, ConfigSource>;
  /** What the file alone said, before the environment and flags (a caller that must know whether a value was overridden). */
  fileValues: Record<string, unknown>;
}

export const DEFAULT_ENV_PREFIX = 'OTHERIX_';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date);
}

/** { a: { b: 1 } } -> { 'a.b': 1 }. Arrays and scalars are leaves. */
export function flattenKeys(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const walk = (value: Record<string, unknown>, prefix: string): void => {
    for (const [key, child] of Object.entries(value)) {
      const path = prefix === '' ? key : `${prefix}.${key}`;
      if (isPlainObject(child) && Object.keys(child).length > 0) walk(child, path);
      else out[path] = child;
    }
  };
  walk(obj, '');
  return out;
}

/** { 'a.b': 1 } -> { a: { b: 1 } }. */
export function unflattenKeys(flat: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [path, value] of Object.entries(flat)) {
    const parts = path.split('.');
    let node = out;
    for (const part of parts.slice(0, -1)) {
      const next = node[part];
      if (!isPlainObject(next)) node[part] = {};
      node = node[part] as Record<string, unknown>;
    }
    node[parts[parts.length - 1]] = value;
  }
  return out;
}

/** A config file is a few lines: one this large is not one (and /dev/zero is refused, not read to its end). */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

/** The YAML mapping in `path`; undefined when the file does not exist; config_invalid otherwise. */
export function readYamlFile(path: string): Record<string, unknown> | undefined {
  let text: string;
  try {
    const bytes = readFileCapped(path, MAX_CONFIG_FILE_BYTES);
    if (bytes.length > MAX_CONFIG_FILE_BYTES) {
      throw new OtherixError(
        'config_invalid',
        `config file ${path} holds more than ${MAX_CONFIG_FILE_BYTES} bytes, which no Otherix config does: check the path`,
      );
    }
    text = bytes.toString('utf8');
  } catch (error) {
    if (error instanceof OtherixError) throw error;
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw new OtherixError('config_invalid', `cannot read config file ${path}: ${(error as Error).message}`, { cause: error });
  }
  let parsed: unknown;
  try {
    // CORE_SCHEMA: null/bool/int/float only, so a date-like value stays a string, not a Date.
    parsed = load(text, { filename: path, schema: CORE_SCHEMA });
  } catch (error) {
    throw new OtherixError('config_invalid', `config file ${path} is not valid YAML: ${(error as Error).message}`, { cause: error });
  }
  if (parsed === undefined || parsed === null) return {};
  if (!isPlainObject(parsed)) {
    throw new OtherixError(
      'config_invalid',
      `config file ${path} must hold a YAML mapping (key: value), not a ${Array.isArray(parsed) ? 'list' : typeof parsed}`,
    );
  }
  return parsed;
}

/** YAML text of `value`, keys in the order given. */
export function toYaml(value: Record<string, unknown>): string {
  return dump(value, { sortKeys: false, lineWidth: -1, noRefs: true });
}

function coerce(kind: ConfigValueKind, raw: unknown, where: string): unknown {
  const bad = (why: string): OtherixError => new OtherixError('config_invalid', `${where}: ${why}`);
  const text = typeof raw === 'string' ? raw.trim() : raw;
  switch (kind) {
    case 'string':
      if (typeof raw === 'string') return raw;
      if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
      throw bad('not a string');
    case 'number': {
      const n = typeof text === 'number' ? text : typeof text === 'string' && text !== '' ? Number(text) : NaN;
      if (!Number.isFinite(n)) throw bad('not a number');
      return n;
    }
    case 'integer': {
      const n = typeof text === 'number' ? text : typeof text === 'string' && /^[+-]?\d+$/.test(text) ? Number(text) : NaN;
      if (!Number.isSafeInteger(n)) throw bad('not an integer');
      return n;
    }
    case 'boolean':
      if (typeof text === 'boolean') return text;
      if (typeof text === 'string') {
        const lower = text.toLowerCase();
        if (['true', '1', 'yes', 'on'].includes(lower)) return true;
        if (['false', '0', 'no', 'off'].includes(lower)) return false;
      }
      throw bad('not a boolean (true or false)');
    case 'duration':
      // A number is already milliseconds (defaults, or a value another layer parsed).
      if (typeof text === 'number' && Number.isFinite(text) && text >= 0) return text;
      if (typeof text === 'string') {
        try {
          return parseDuration(text);
        } catch (error) {
          throw new OtherixError('config_invalid', `${where}: not a duration (like 30s, 10m, 1h30m)`, { cause: error });
        }
      }
      throw bad('not a duration (like 30s, 10m, 1h30m)');
  }
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Loads and merges the layers (defaults < YAML file < environment < flags) against `schema`;
 * sync. See the file header for precedence and environment naming (`OTHERIX_<SECTION>__<KEY>`).
 * @throws OtherixError `config_invalid` naming the key and the layer of a value that does not fit
 *   the schema, or a file that is not a YAML mapping.
 */
export function loadConfig(options: LoadConfigOptions): LoadedConfig {
  const { schema } = options;
  const env = options.env ?? process.env;
  const prefix = options.envPrefix ?? DEFAULT_ENV_PREFIX;
  const values: Record<string, unknown> = {};
  const sources: Record<string, ConfigSource> = {};
  const fileValues: Record<string, unknown> = {};

  for (const [key, spec] of Object.entries(schema)) {
    if (spec.default !== undefined) {
      values[key] = coerce(spec.kind, spec.default, `default for ${key}=${show(spec.default)}`);
      sources[key] = 'default';
    }
  }

  if (options.file !== undefined) {
    const doc = readYamlFile(options.file);
    if (doc === undefined) {
      if (options.fileRequired) {
        throw new OtherixError('config_invalid', `config file ${options.file} does not exist: create it or point to the right path`);
      }
    } else {
      const flat = flattenKeys(doc);
      // A section left empty ('bootstrap:' with its keys commented out) is not a typo.
      const isEmptySection = (key: string, value: unknown): boolean =>
        (value === null || (isPlainObject(value) && Object.keys(value).length === 0)) &&
        Object.keys(schema).some((known) => known.startsWith(`${key}.`));
      for (const [key, value] of Object.entries(flat)) if (!(key in schema) && isEmptySection(key, value)) delete flat[key];
      // Typos in a config file must not pass silently.
      const unknown = Object.keys(flat).filter((key) => !(key in schema));
      if (unknown.length > 0) {
        throw new OtherixError(
          'config_invalid',
          `config file ${options.file} has unknown key${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}: check the spelling; known keys are ${Object.keys(schema).join(', ')}`,
          { details: { unknown_keys: unknown, file: options.file } },
        );
      }
      for (const [key, raw] of Object.entries(flat)) {
        if (raw === null || raw === undefined) continue;
        values[key] = coerce(schema[key].kind, raw, `file ${options.file} ${key}=${show(raw)}`);
        sources[key] = 'file';
        fileValues[key] = values[key];
      }
    }
  }

  // Unknown OTHERIX_* variables are ignored: other tools share the prefix.
  for (const [key, spec] of Object.entries(schema)) {
    const name = prefix + key.toUpperCase().replace(/\./g, '__');
    const raw = env[name];
    if (raw === undefined || raw === '') continue; // an empty variable is unset, as in most shells' usage
    values[key] = coerce(spec.kind, raw, `env ${name}=${raw}`);
    sources[key] = 'env';
  }

  for (const [key, raw] of Object.entries(options.flags ?? {})) {
    if (raw === undefined) continue;
    const spec = schema[key];
    if (spec === undefined) {
      throw new OtherixError('config_invalid', `flag for unknown config key ${key}: this is a bug in the command's flag mapping`);
    }
    values[key] = coerce(spec.kind, raw, `flag --${key.split('.').pop()!.replace(/_/g, '-')} (${key})=${show(raw)}`);
    sources[key] = 'flag';
  }

  return { values, sources, fileValues };
}
