// The `otherix` CLI's connection settings: flags over OTHERIX_* environment over the config
// file (OTHERIX_CONFIG, else $XDG_CONFIG_HOME/otherix/config.yaml, else
// ~/.config/otherix/config.yaml). The file holds an API token, so it is written 0600 from the
// moment it exists (atomic write with the mode set on the temp file), in a 0700 folder.
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { OtherixError } from '../errors.js';
import { writeFileAtomic } from '../files/atomic.js';
import { loadConfig, toYaml } from './layered.js';
import type { ConfigSchema } from './layered.js';
import { singleCaCertificate } from '../pki/ca-pem.js';
import { readTrustBundle } from '../pki/trust-bundle.js';
import { fingerprintsEqual, parseFingerprint } from '../pki/fingerprint.js';
import { pinCa } from '../pki/tofu.js';
import { API_TOKEN_KIND, resolveTokenSource } from '../bootstrap/token-source.js';
import type { ClientOptions } from '../client/create-client.js';
import { formatCpUrls, parseCpUrls } from '../client/cp-urls.js';

export const CLI_CONFIG_FILE_MODE = 0o600;
export const CLI_CONFIG_DIR_MODE = 0o700;
export const CLI_ENV = {
  cpUrl: 'OTHERIX_CP_URL',
  caFingerprint: 'OTHERIX_CA_FINGERPRINT',
  token: 'OTHERIX_TOKEN',
  config: 'OTHERIX_CONFIG',
} as const;

/** The config file, as `otherix login` writes it. */
export interface CliConfigFile {
  /** One URL, or the cluster's replicas separated by commas (as login was given them). */
  cp_url?: string;
  /** The cluster CA certificate pinned at login (PEM). */
  ca_pem?: string;
  ca_fingerprint?: string;
  token?: string;
}

/** The connection flags every `otherix` command takes. */
export interface CliConnectionFlags {
  cpUrl?: string;
  caFingerprint?: string;
  /** `--token`: the literal value. */
  token?: string;
  /** `--token-path`: a file holding the token, whitespace-trimmed. */
  tokenPath?: string;
  /** `--token-env`: the name of an environment variable holding the token. */
  tokenEnv?: string;
}

export type CliSettingSource = 'flag' | 'env' | 'file';

/** The settings after precedence; each value says which layer it came from. */
export interface CliSettings {
  cpUrl?: string;
  caFingerprint?: string;
  /** The CA pinned by `otherix login` (file), or OTHERIX_CA_PEM. */
  caPem?: string;
  token?: string;
  sources: { cpUrl?: CliSettingSource; caFingerprint?: CliSettingSource; token?: CliSettingSource };
  /** The file that was read (it may not exist), and that `login` writes. */
  configPath: string;
  /** Advice for stderr: the token on the command line, a token file readable by others. */
  warnings: string[];
}

/**
 * The otherix CLI's config file: OTHERIX_CONFIG, else $XDG_CONFIG_HOME/otherix/config.yaml, else ~/.config/otherix/config.yaml.
 * @throws nothing
 */
export function cliConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env[CLI_ENV.config];
  if (explicit !== undefined && explicit !== '') return explicit;
  const xdg = env['XDG_CONFIG_HOME'];
  const base = xdg !== undefined && xdg !== '' ? xdg : join(env['HOME'] ?? homedir(), '.config');
  return join(base, 'otherix', 'config.yaml');
}

// The file's keys; each is also read from OTHERIX_<KEY> (OTHERIX_CP_URL, OTHERIX_CA_FINGERPRINT,
// OTHERIX_TOKEN, and OTHERIX_CA_PEM for automation that ships the CA itself).
const CLI_CONFIG_SCHEMA: ConfigSchema = {
  cp_url: { kind: 'string' },
  ca_pem: { kind: 'string' },
  ca_fingerprint: { kind: 'string' },
  token: { kind: 'string' },
};

/**
 * The connection settings `otherix` uses (flags > OTHERIX_* environment > the file `otherix
 * login` wrote); reads no network. With cliClientOptions, a script can reuse an admin's login.
 * @throws OtherixError `config_invalid` for a config file or value that cannot be used; `usage`
 *   for more than one token flag or a token source that cannot be read; `invalid_token`.
 */
export function loadCliSettings(options: { flags: CliConnectionFlags; env?: NodeJS.ProcessEnv }): CliSettings {
  const env = options.env ?? process.env;
  const configPath = cliConfigPath(env);
  // Exactly one of --token, --token-path, --token-env, read as the agent reads its join token;
  // with none of them the token comes from OTHERIX_TOKEN or the file.
  const { token: tokenFlag, tokenPath, tokenEnv } = options.flags;
  const fromFlags =
    tokenFlag !== undefined || tokenPath !== undefined || tokenEnv !== undefined
      ? resolveTokenSource({ flags: { token: tokenFlag, tokenPath, tokenEnv }, env, kind: API_TOKEN_KIND })
      : undefined;
  const flags: Record<string, unknown> = {
    cp_url: nonBlank(options.flags.cpUrl),
    ca_fingerprint: nonBlank(options.flags.caFingerprint),
    token: fromFlags?.token,
  };
  const { values, sources, fileValues } = loadConfig({ schema: CLI_CONFIG_SCHEMA, file: configPath, env, flags });
  const settings: CliSettings = { sources: {}, configPath, warnings: fromFlags?.warnings ?? [] };
  const take = (key: string): [string, CliSettingSource] | undefined => {
    const value = values[key];
    const source = sources[key];
    return typeof value === 'string' && value !== '' && source !== undefined && source !== 'default' ? [value, source] : undefined;
  };
  const cpUrl = take('cp_url');
  if (cpUrl !== undefined) [settings.cpUrl, settings.sources.cpUrl] = cpUrl;
  const fingerprint = take('ca_fingerprint');
  if (fingerprint !== undefined) [settings.caFingerprint, settings.sources.caFingerprint] = fingerprint;
  const token = take('token');
  if (token !== undefined) [settings.token, settings.sources.token] = token;
  const caPem = take('ca_pem');
  if (caPem !== undefined) settings.caPem = caPem[0];
  if (settings.sources.token === 'file') assertFileTokenStaysHome(settings, fileValues, caPem?.[1]);
  return settings;
}

const ORIGIN: Record<'cpUrl' | 'caFingerprint', Record<'flag' | 'env', string>> = {
  cpUrl: { flag: '--cp-url', env: CLI_ENV.cpUrl },
  caFingerprint: { flag: '--ca-fingerprint', env: CLI_ENV.caFingerprint },
};

/**
 * The control-plane URLs in force, as origins in order (one, or several replicas separated by
 * commas); a `usage` error naming the setting and the bad or repeated URL otherwise.
 */
export function cliCpUrls(settings: CliSettings): string[] {
  if (settings.cpUrl === undefined) return [];
  const source = settings.sources.cpUrl;
  const subject = source === 'flag' || source === 'env' ? ORIGIN.cpUrl[source] : `cp_url in ${settings.configPath}`;
  return parseCpUrls(settings.cpUrl, { subject, code: 'usage' });
}

/** The URLs of a setting, each in one spelling (case of the host, a final slash, the default port); undefined if one does not read. */
function comparableUrls(value: unknown): Set<string> | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    return new Set(parseCpUrls(value));
  } catch {
    return undefined;
  }
}

/** Whether every URL in force is one the file's token was saved for (the order does not matter). */
function withinSavedUrls(urls: unknown, savedUrls: unknown): boolean {
  const wanted = comparableUrls(urls);
  const saved = comparableUrls(savedUrls);
  return wanted !== undefined && saved !== undefined && [...wanted].every((url) => saved.has(url));
}

/**
 * A token read from the config file is sent only where `otherix login` proved it: the file's
 * cp_url (one URL, or the replicas of one cluster it lists: a flag or OTHERIX_CP_URL may name
 * some of them, in any order, but no other), over the CA saved beside it. A URL or a CA fingerprint from a flag or the environment
 * that differs from the file's (an OTHERIX_CP_URL left from another cluster, `--cp-url` of a
 * second cluster) would otherwise carry cluster A's token to B, which could then use it on A.
 * Then the token must come from a flag or the environment too; else `usage`, before anything is
 * sent (login included: it would send the file's token to prove it).
 */
function assertFileTokenStaysHome(
  settings: CliSettings,
  fileValues: Record<string, unknown>,
  caPemSource: CliSettingSource | undefined,
): void {
  const savedUrl = typeof fileValues['cp_url'] === 'string' ? fileValues['cp_url'] : undefined;
  let elsewhere: string | undefined;
  const urlSource = settings.sources.cpUrl;
  if (urlSource !== undefined && urlSource !== 'file' && !withinSavedUrls(settings.cpUrl, savedUrl)) {
    elsewhere = `the control-plane URL ${settings.cpUrl} comes from ${ORIGIN.cpUrl[urlSource]}`;
  }
  const fingerprintSource = settings.sources.caFingerprint;
  if (
    elsewhere === undefined &&
    fingerprintSource !== undefined &&
    fingerprintSource !== 'file' &&
    !isSavedCa(fileValues['ca_pem'], settings.caFingerprint!)
  ) {
    elsewhere = `the CA fingerprint ${settings.caFingerprint} from ${ORIGIN.caFingerprint[fingerprintSource]} is not the CA saved with it`;
  }
  if (elsewhere === undefined && caPemSource === 'env' && comparablePem(settings.caPem) !== comparablePem(fileValues['ca_pem'])) {
    elsewhere = 'the CA in OTHERIX_CA_PEM is not the CA saved with it';
  }
  if (elsewhere === undefined) return;
  const target = settings.cpUrl ?? savedUrl ?? 'that control plane';
  throw new OtherixError(
    'usage',
    `the API token in ${settings.configPath} was saved by \`otherix login\` for ${savedUrl ?? 'no control-plane URL'} and is sent only there, over the CA saved with it, ` +
      `but ${elsewhere}: nothing was sent. To use ${target}, log in to it (\`otherix login --cp-url ${target} --ca-fingerprint FP --token-path FILE\`; ` +
      `OTHERIX_CONFIG=FILE keeps a second cluster's settings apart), or give its token with --token-env NAME (or --token-path FILE, or ${CLI_ENV.token})`,
  );
}

/** Whether `fingerprint` pins the CA saved in the file (no saved CA, or one that does not read, is not it). */
function isSavedCa(savedPem: unknown, fingerprint: string): boolean {
  if (typeof savedPem !== 'string') return false;
  try {
    readTrustBundle(savedPem, 'the saved CA', { anchor: parseFingerprint(fingerprint) });
    return true;
  } catch {
    return false;
  }
}

function comparablePem(pem: unknown): string | undefined {
  return typeof pem === 'string' ? pem.replace(/\s+/g, '') : undefined;
}

function nonBlank(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/**
 * ClientOptions for the settings. The CA is the one pinned in the file when it matches the
 * fingerprint in force; a fingerprint from a flag or the environment that does not match it
 * is pinned afresh (TOFU, exactly as `login` and the agent do).
 * @throws OtherixError `usage` when no CP URL, token or CA is set (the message says how to log
 *   in); pinning's codes when a fresh pin is needed.
 * @example
 * const client = createClient(await cliClientOptions(loadCliSettings({ flags: {} })));
 */
export async function cliClientOptions(settings: CliSettings, options: { requestTimeoutMs?: number } = {}): Promise<ClientOptions> {
  const how =
    'pass --cp-url, --ca-fingerprint and a token (--token-path, --token-env, or OTHERIX_* variables), or run `otherix login` once';
  if (settings.cpUrl === undefined) throw new OtherixError('usage', `no control-plane URL configured: ${how}`);
  const cpUrls = cliCpUrls(settings);
  if (settings.token === undefined) throw new OtherixError('usage', `no API token configured: ${how}`);
  // The saved CA is trusted as login pinned it (re-encoded from its DER), and during a CA rotation
  // with the other CA its cross-certificate vouches for (readTrustBundle, cli-trust.ts).
  const source = `the CA saved in ${settings.configPath} (or OTHERIX_CA_PEM)`;
  const wayOut = 'nothing was sent: run `otherix login` again with the fingerprint from your admin';
  let ca = settings.caPem === undefined ? undefined : readTrustBundle(settings.caPem, source, { wayOut });
  if (settings.caFingerprint !== undefined) {
    const wanted = parseFingerprint(settings.caFingerprint);
    if (ca === undefined || !ca.fingerprints.some((fp) => fingerprintsEqual(fp, wanted))) {
      const pinOptions: Parameters<typeof pinCa>[0] = { cpUrl: cpUrls, fingerprint: wanted };
      if (options.requestTimeoutMs !== undefined) pinOptions.requestTimeoutMs = options.requestTimeoutMs;
      const pinned = await pinCa(pinOptions);
      ca = readTrustBundle(singleCaCertificate(pinned.caPem, pinned.cpUrl).pem, pinned.cpUrl);
    }
  }
  if (ca === undefined) throw new OtherixError('usage', `no cluster CA pinned for ${formatCpUrls(cpUrls)}: ${how}`);
  const clientOptions: ClientOptions = { cpUrl: cpUrls, caPem: ca.trustedPem, token: settings.token };
  if (options.requestTimeoutMs !== undefined) clientOptions.requestTimeoutMs = options.requestTimeoutMs;
  return clientOptions;
}

/** Writes the config file atomically, 0600 from creation, in a 0700 folder. */
export async function saveCliConfig(path: string, config: Required<CliConfigFile>): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true, mode: CLI_CONFIG_DIR_MODE });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new OtherixError(
      'file_write_failed',
      `cannot create ${dirname(path)} (${code}) for the config file: check its permissions, or set OTHERIX_CONFIG to a file in a folder you can write`,
      { cause: error },
    );
  }
  const text = toYaml({ cp_url: config.cp_url, ca_fingerprint: config.ca_fingerprint, token: config.token, ca_pem: config.ca_pem });
  await writeFileAtomic(path, `# Written by \`otherix login\`; holds an API token: keep it 0600.\n${text}`, { mode: CLI_CONFIG_FILE_MODE });
}
