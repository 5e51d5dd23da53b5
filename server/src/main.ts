#!/usr/bin/env node
// otherix-server [serve] | ca-fingerprint: argv -> init data dir -> buildApp -> listen.
import './threadpool.js';
import 'reflect-metadata';
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { buildApp } from './app.js';
import { DEFAULT_DATA_DIR } from './init/files.js';
import { InitError, caFingerprintOf, initDataDir } from './init/data-dir.js';
import { DEFAULT_JOIN_GUESS_LIMIT } from './services/rate-limit.js';
import { DEFAULT_LISTEN, LOG_LEVELS, resolveServerSettings } from './server-config.js';

/** How long SIGINT/SIGTERM waits for requests in flight before cutting connections. */
const SHUTDOWN_GRACE_MS = 10_000;

const USAGE = `usage:
  otherix-server [serve] [--data-dir DIR] [--listen HOST:PORT] [--advertise-host NAME]...
                 [--log-level LEVEL] [--join-guess-limit N]
  otherix-server ca-fingerprint [--data-dir DIR]

  --data-dir DIR          where the CA, certificates, database and admin.token live (default ${DEFAULT_DATA_DIR})
  --listen HOST:PORT      address to serve HTTPS on (default ${DEFAULT_LISTEN}; port 0 takes a free port)
  --advertise-host NAME   a name or address clients use to reach the CP (repeatable; goes into its certificate)
  --log-level LEVEL       ${LOG_LEVELS.join(', ')} (default info)
  --join-guess-limit N    redemptions with unknown join tokens allowed per source IP per minute (default ${DEFAULT_JOIN_GUESS_LIMIT})

  Each flag can also come from the environment (flags win): OTHERIX_SERVER__DATA_DIR,
  OTHERIX_SERVER__LISTEN, OTHERIX_SERVER__LOG_LEVEL, OTHERIX_SERVER__JOIN_GUESS_LIMIT,
  OTHERIX_SERVER__ADVERTISE_HOSTS (comma-separated).
`;

class UsageError extends Error {}

function parse(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    // No defaults here: absent flags fall through to the environment, then the schema's defaults.
    options: {
      'data-dir': { type: 'string' },
      listen: { type: 'string' },
      'advertise-host': { type: 'string', multiple: true },
      'log-level': { type: 'string' },
      'join-guess-limit': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const command = positionals[0] ?? 'serve';
  if (positionals.length > 1 || !['serve', 'ca-fingerprint'].includes(command)) throw new UsageError(`unknown command: ${positionals.join(' ')}`);
  const settings = resolveServerSettings({
    dataDir: values['data-dir'],
    listen: values.listen,
    logLevel: values['log-level'],
    joinGuessLimit: values['join-guess-limit'],
    advertiseHosts: values['advertise-host'],
  });
  return { command, help: values.help, ...settings };
}

function urlOf(address: { address: string; port: number; family: string }): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `https://${host}:${address.port}`;
}

async function serve(args: ReturnType<typeof parse>): Promise<void> {
  const material = await initDataDir({ dataDir: args.dataDir, advertiseHosts: args.advertiseHosts });
  for (const warning of material.warnings) process.stderr.write(`otherix-server: warning: ${warning}\n`);
  const app = await buildApp({
    store: material.store,
    ca: material.ca,
    serving: material.serving,
    certificates: material.certificates,
    logger: { level: args.logLevel },
    joinGuessLimit: args.joinGuessLimit,
    controlPlaneHosts: material.controlPlaneHosts,
  });
  for (const warning of material.warnings) app.log.warn({ event: 'start_warning' }, warning);
  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: no new connections, finishing requests in flight');
    // Past the grace period, connections still open are cut: a request still running then may lose its answer.
    setTimeout(() => app.server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  await app.listen({ host: args.listen.host, port: args.listen.port });
  const address = app.server.address();
  const url = address !== null && typeof address === 'object' ? urlOf(address) : `https://${args.listen.host}:${args.listen.port}`;
  app.log.info({ url, ca_fingerprint: material.ca.fingerprint, admin_token_file: material.files.adminToken }, 'otherix control plane ready');
  // One human line; tests and scripts wait for it. Never a secret: the token stays in its file.
  process.stderr.write(`otherix-server listening on ${url} (CA fingerprint ${material.ca.fingerprint}; admin token in ${material.files.adminToken})\n`);
  process.stderr.write(`${nextStep(args, url, material.ca.fingerprint, material.files.adminToken)}\n`);
}

/** What to do next (npm start runs this for real use): log in with the token file, then mint a join token. */
function nextStep(args: { listen: { host: string }; advertiseHosts: readonly string[] }, url: string, fingerprint: string, adminTokenFile: string): string {
  // A wildcard listen address is no URL to give a client: prefer a name the certificate carries.
  const wildcard = ['0.0.0.0', '::'].includes(args.listen.host);
  const advertised = args.advertiseHosts[0];
  const cpUrl = wildcard && advertised !== undefined ? url.replace(/^https:\/\/[^/]*:(\d+)$/, (_all, port: string) => `https://${isIP(advertised) === 6 ? `[${advertised}]` : advertised}:${port}`) : url;
  return `next: otherix login --cp-url ${cpUrl} --ca-fingerprint ${fingerprint} --token-path ${adminTokenFile}, then otherix node join-token create --node-name <name>`;
}

async function main(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (error) {
    // Bad flags, bad OTHERIX_SERVER__* values (ServerConfigError) and parseArgs' own errors.
    process.stderr.write(`otherix-server: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  try {
    if (args.command === 'ca-fingerprint') {
      process.stdout.write(`${await caFingerprintOf(args.dataDir)}\n`);
      return 0;
    }
    await serve(args);
    return -1; // keep running
  } catch (error) {
    if (error instanceof InitError) process.stderr.write(`otherix-server: ${error.message}\n`);
    else process.stderr.write(`otherix-server: failed to start: ${(error as Error).message}\n`);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
if (code >= 0) process.exit(code);
