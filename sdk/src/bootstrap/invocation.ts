// From what the operator typed to bootstrapNode's options: the command's flags over
// OTHERIX_BOOTSTRAP__* over the defaults (loadConfig), durations parsed, the token source
// resolved. A bad value is a usage error (exit 2), like a bad flag.
import { isOtherixError, OtherixError } from '../errors.js';
import { BOOTSTRAP_CONFIG_SCHEMA } from '../config/agent-config.js';
import { loadConfig } from '../config/layered.js';
import type { BootstrapOptions } from './options.js';
import { resolveTokenSource } from './token-source.js';

export interface BootstrapInvocation {
  /** Everything bootstrapNode needs but agentVersion, which the binary knows. */
  options: BootstrapOptions;
  /** Where the token came from (never the token), e.g. `--token-path /run/token`. */
  tokenSource: string;
  /** For stderr: the token on the command line, a token file readable by others. */
  warnings: string[];
}

const TOKEN_KEYS = ['bootstrap.token', 'bootstrap.token_path', 'bootstrap.token_env'];

/** `tokenPath` -> `bootstrap.token_path` (cac camel-cases `--token-path`). */
function configKeyOf(flag: string): string {
  return `bootstrap.${flag.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)}`;
}

/** `flags` as cac parsed them (camelCased); only the keys of BOOTSTRAP_CONFIG_SCHEMA are read. */
export function resolveBootstrapInvocation(input: { flags: Record<string, unknown>; env?: NodeJS.ProcessEnv }): BootstrapInvocation {
  const env = input.env ?? process.env;
  const flagValues: Record<string, unknown> = {};
  for (const [flag, value] of Object.entries(input.flags)) {
    const key = configKeyOf(flag);
    // A switch left out (false) says nothing: the environment's value stands.
    if (key in BOOTSTRAP_CONFIG_SCHEMA && value !== undefined && value !== false && !TOKEN_KEYS.includes(key)) flagValues[key] = value;
  }
  let values: Record<string, unknown>;
  try {
    values = loadConfig({ schema: BOOTSTRAP_CONFIG_SCHEMA, env, flags: flagValues }).values;
  } catch (error) {
    if (isOtherixError(error, 'config_invalid') || isOtherixError(error, 'invalid_duration')) {
      throw new OtherixError('usage', error.message, { cause: error });
    }
    throw error;
  }
  // cac gives a string, a number or, for a repeated flag, an array: String() is meant for each.
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- flag values, see above
  const text = (value: unknown): string | undefined => (value === undefined || value === true ? undefined : String(value));
  const resolved = resolveTokenSource({
    flags: {
      ...(text(input.flags['token']) !== undefined ? { token: text(input.flags['token'])! } : {}),
      ...(text(input.flags['tokenPath']) !== undefined ? { tokenPath: text(input.flags['tokenPath'])! } : {}),
      ...(text(input.flags['tokenEnv']) !== undefined ? { tokenEnv: text(input.flags['tokenEnv'])! } : {}),
    },
    fallback: {
      ...(values['bootstrap.token'] !== undefined ? { token: values['bootstrap.token'] as string } : {}),
      ...(values['bootstrap.token_path'] !== undefined ? { tokenPath: values['bootstrap.token_path'] as string } : {}),
      ...(values['bootstrap.token_env'] !== undefined ? { tokenEnv: values['bootstrap.token_env'] as string } : {}),
    },
    env,
  });
  // loadConfig's values are scalars (string, number, boolean), as BOOTSTRAP_CONFIG_SCHEMA says.
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- config values, see above
  const str = (key: string): string => (values[key] === undefined ? '' : String(values[key]));
  return {
    options: {
      token: resolved.token,
      caFingerprint: str('bootstrap.ca_fingerprint'),
      cpUrl: str('bootstrap.cp_url'),
      nodeName: str('bootstrap.node_name'),
      advertisedEndpoint: str('bootstrap.advertised_endpoint'),
      migrationHost: str('bootstrap.migration_host'),
      migrationPortRangeStart: values['bootstrap.migration_port_range_start'] as number,
      migrationPortRangeEnd: values['bootstrap.migration_port_range_end'] as number,
      certDir: str('bootstrap.cert_dir'),
      configPath: str('bootstrap.config_path'),
      listen: str('bootstrap.listen'),
      heartbeatIntervalMs: values['bootstrap.heartbeat_interval'] as number,
      requestTimeoutMs: values['bootstrap.request_timeout'] as number,
      force: values['bootstrap.force'] as boolean,
    },
    tokenSource: resolved.source,
    warnings: resolved.warnings,
  };
}
