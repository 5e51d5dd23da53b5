// otherix-server's settings through the SDK's layered config (one implementation every binary
// uses): defaults < OTHERIX_SERVER__* environment < flags. The server reads no config file.
import { OtherixError, loadConfig } from '@otherix/sdk';
import { formatDurationWithDays, parseDurationWithDays, readListenAddress } from '@otherix/sdk/internal';
import type { ConfigSchema, ConfigSource } from '@otherix/sdk';
import { DEFAULT_DATA_DIR } from './init/files.js';
import { DEFAULT_LISTENER_LIMITS } from './listener.js';
import { DEFAULT_JOIN_GUESS_LIMIT } from './services/rate-limit.js';
import { DEFAULT_NODE_CERT_LIFETIME_MS, MAX_NODE_CERT_LIFETIME_MS, MIN_NODE_CERT_LIFETIME_MS } from './services/node-cert-lifetime.js';

export const DEFAULT_LISTEN = '0.0.0.0:8443';
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Keys and their flags; in the environment OTHERIX_SERVER__DATA_DIR etc. */
const SERVER_CONFIG_SCHEMA: ConfigSchema = Object.freeze({
  'server.data_dir': { kind: 'string', default: DEFAULT_DATA_DIR },
  'server.listen': { kind: 'string', default: DEFAULT_LISTEN },
  'server.log_level': { kind: 'string', default: 'info' },
  'server.join_guess_limit': { kind: 'integer', default: DEFAULT_JOIN_GUESS_LIMIT },
  'server.max_connections': { kind: 'integer', default: DEFAULT_LISTENER_LIMITS.maxConnections },
  /** 1m..365d, days allowed (`30d`, `1d12h`, `90m`). */
  'server.node_cert_lifetime': { kind: 'string', default: formatDurationWithDays(DEFAULT_NODE_CERT_LIFETIME_MS) },
  'server.max_unauthenticated_per_source': { kind: 'integer', default: DEFAULT_LISTENER_LIMITS.maxUnauthenticatedPerSource },
  /** Comma-separated in the environment; the flag is repeatable. */
  'server.advertise_hosts': { kind: 'string', default: '' },
  /** Prometheus metrics over plain HTTP (metrics/); empty: off. */
  'server.metrics_listen': { kind: 'string', default: '' },
  /** postgres://...: run on PostgreSQL, as one of any number of replicas (empty: SQLite in the data dir). */
  'server.database_url': { kind: 'string', default: '' },
  /** With database_url: the file holding the secret that seals the CA key in the database. */
  'server.secret_file': { kind: 'string', default: '' },
  /** SQLite data dir: the file whose passphrase keeps ca.key encrypted (empty: ca.key is a plain PEM). */
  'server.ca_key_passphrase_file': { kind: 'string', default: '' },
});

const FLAG_OF: Record<string, string> = {
  'server.data_dir': '--data-dir',
  'server.listen': '--listen',
  'server.log_level': '--log-level',
  'server.join_guess_limit': '--join-guess-limit',
  'server.max_connections': '--max-connections',
  'server.node_cert_lifetime': '--node-cert-lifetime',
  'server.max_unauthenticated_per_source': '--max-unauthenticated-per-source',
  'server.advertise_hosts': '--advertise-host',
  'server.metrics_listen': '--metrics-listen',
  'server.database_url': '--database-url',
  'server.secret_file': '--secret-file',
  'server.ca_key_passphrase_file': '--ca-key-passphrase-file',
};

interface ServerFlags {
  dataDir?: string | undefined;
  listen?: string | undefined;
  logLevel?: string | undefined;
  joinGuessLimit?: string | undefined;
  maxConnections?: string | undefined;
  nodeCertLifetime?: string | undefined;
  maxUnauthenticatedPerSource?: string | undefined;
  advertiseHosts?: string[] | undefined;
  metricsListen?: string | undefined;
  databaseUrl?: string | undefined;
  secretFile?: string | undefined;
  caKeyPassphraseFile?: string | undefined;
}

interface ServerSettings {
  dataDir: string;
  listen: { host: string; port: number };
  logLevel: string;
  joinGuessLimit: number;
  /** Open connections the listener accepts (listener.ts). */
  maxConnections: number;
  /** Node leaves' lifetime from signing, ms (joins, re-issues and renewals). */
  nodeCertLifetimeMs: number;
  /** Connections one source may hold before they authenticate (listener.ts). */
  maxUnauthenticatedPerSource: number;
  advertiseHosts: string[];
  /** Where to serve GET /metrics (plain HTTP); undefined: no metrics listener. */
  metricsListen: { host: string; port: number } | undefined;
  /** PostgreSQL's URL, or undefined: SQLite in the data dir (the default). */
  databaseUrl: string | undefined;
  secretFile: string | undefined;
  /** The file holding the passphrase ca.key is encrypted with, or undefined: a plain ca.key. */
  caKeyPassphraseFile: string | undefined;
  /** Where caKeyPassphraseFile came from (`--ca-key-passphrase-file` or its variable), for messages. */
  caKeyPassphraseOrigin: string;
}

/** Where a value came from, as the user wrote it: `--listen`, `OTHERIX_SERVER__LISTEN` or the default. */
function origin(key: string, source: ConfigSource | undefined): string {
  if (source === 'env') return `OTHERIX_SERVER__${key.slice('server.'.length).toUpperCase()}`;
  if (source === 'flag') return FLAG_OF[key];
  return `${FLAG_OF[key]} (default)`;
}

/** A setting that cannot be used: main.ts answers it as a usage error (exit 2). */
function unusable(message: string): OtherixError {
  return new OtherixError('usage', message);
}

function parseListen(text: string, where: string): { host: string; port: number } {
  const parsed = readListenAddress(text);
  if (parsed.ok) return parsed.address;
  const host = parsed.problem.kind === 'host' ? `: its host ${JSON.stringify(parsed.problem.host)} ${parsed.problem.problem}` : '';
  throw unusable(`${where} ${text}: expected HOST:PORT, e.g. 0.0.0.0:8443 or 127.0.0.1:0${host}`);
}

function parseLifetime(text: string, where: string): number {
  let ms: number;
  try {
    ms = parseDurationWithDays(text);
  } catch {
    throw unusable(`${where} ${text}: expected a duration such as 30d, 7d, 12h or 10m`);
  }
  if (ms < MIN_NODE_CERT_LIFETIME_MS || ms > MAX_NODE_CERT_LIFETIME_MS) {
    throw unusable(`${where} ${text}: expected a lifetime from 1m to 365d`);
  }
  return ms;
}

export function resolveServerSettings(flags: ServerFlags, env: NodeJS.ProcessEnv = process.env): ServerSettings {
  // A value loadConfig cannot read is config_invalid, naming the layer and the value
  // (`env OTHERIX_SERVER__JOIN_GUESS_LIMIT=x: not an integer`).
  const { values, sources } = loadConfig({
    schema: SERVER_CONFIG_SCHEMA,
    env,
    flags: {
      'server.data_dir': flags.dataDir,
      'server.listen': flags.listen,
      'server.log_level': flags.logLevel,
      'server.join_guess_limit': flags.joinGuessLimit,
      'server.max_connections': flags.maxConnections,
      'server.node_cert_lifetime': flags.nodeCertLifetime,
      'server.max_unauthenticated_per_source': flags.maxUnauthenticatedPerSource,
      'server.advertise_hosts':
        flags.advertiseHosts !== undefined && flags.advertiseHosts.length > 0 ? flags.advertiseHosts.join(',') : undefined,
      'server.metrics_listen': flags.metricsListen,
      'server.database_url': flags.databaseUrl,
      'server.secret_file': flags.secretFile,
      'server.ca_key_passphrase_file': flags.caKeyPassphraseFile,
    },
  });
  const where = (key: string): string => origin(key, sources[key]);
  const logLevel = values['server.log_level'] as string;
  if (!LOG_LEVELS.includes(logLevel)) throw unusable(`${where('server.log_level')} ${logLevel}: expected one of ${LOG_LEVELS.join(', ')}`);
  const joinGuessLimit = values['server.join_guess_limit'] as number;
  if (joinGuessLimit < 1) throw unusable(`${where('server.join_guess_limit')} ${joinGuessLimit}: expected a whole number >= 1`);
  const maxConnections = values['server.max_connections'] as number;
  if (maxConnections < 1) throw unusable(`${where('server.max_connections')} ${maxConnections}: expected a whole number >= 1`);
  const maxUnauthenticatedPerSource = values['server.max_unauthenticated_per_source'] as number;
  if (maxUnauthenticatedPerSource < 1)
    throw unusable(`${where('server.max_unauthenticated_per_source')} ${maxUnauthenticatedPerSource}: expected a whole number >= 1`);
  const metricsListen = (values['server.metrics_listen'] as string).trim();
  const dataDir = values['server.data_dir'] as string;
  if (dataDir === '') throw unusable(`${where('server.data_dir')} is empty: give a folder`);
  const databaseUrl = values['server.database_url'] as string;
  if (databaseUrl !== '' && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw unusable(`${where('server.database_url')}: expected postgres://user:password@host:port/database`);
  }
  const secretFile = values['server.secret_file'] as string;
  if (secretFile !== '' && databaseUrl === '')
    throw unusable(`${where('server.secret_file')} is only for PostgreSQL: give --database-url too`);
  const caKeyPassphraseFile = values['server.ca_key_passphrase_file'] as string;
  return {
    dataDir,
    listen: parseListen(values['server.listen'] as string, where('server.listen')),
    logLevel,
    joinGuessLimit,
    maxConnections,
    nodeCertLifetimeMs: parseLifetime(values['server.node_cert_lifetime'] as string, where('server.node_cert_lifetime')),
    maxUnauthenticatedPerSource,
    advertiseHosts: (values['server.advertise_hosts'] as string)
      .split(',')
      .map((host) => host.trim())
      .filter((host) => host !== ''),
    metricsListen: metricsListen === '' ? undefined : parseListen(metricsListen, where('server.metrics_listen')),
    databaseUrl: databaseUrl === '' ? undefined : databaseUrl,
    secretFile: secretFile === '' ? undefined : secretFile,
    caKeyPassphraseFile: caKeyPassphraseFile === '' ? undefined : caKeyPassphraseFile,
    caKeyPassphraseOrigin: where('server.ca_key_passphrase_file'),
  };
}
