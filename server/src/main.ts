#!/usr/bin/env node
// otherix-server [serve] | ca-fingerprint: argv -> init data dir -> buildApp -> listen.
import './threadpool.js';
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { buildApp } from './app.js';
import { DEFAULT_DATA_DIR } from './init/files.js';
import { InitError, caFingerprintOf, initDataDir } from './init/data-dir.js';
import { DEFAULT_JOIN_GUESS_LIMIT } from './services/rate-limit.js';

export const DEFAULT_LISTEN = '0.0.0.0:8443';
/** How long SIGINT/SIGTERM waits for requests in flight before cutting connections. */
const SHUTDOWN_GRACE_MS = 10_000;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

const USAGE = `usage:
  otherix-server [serve] [--data-dir DIR] [--listen HOST:PORT] [--advertise-host NAME]...
                 [--log-level LEVEL] [--join-guess-limit N]
  otherix-server ca-fingerprint [--data-dir DIR]

  --data-dir DIR          where the CA, certificates, database and admin.token live (default ${DEFAULT_DATA_DIR})
  --listen HOST:PORT      address to serve HTTPS on (default ${DEFAULT_LISTEN}; port 0 takes a free port)
  --advertise-host NAME   a name or address clients use to reach the CP (repeatable; goes into its certificate)
  --log-level LEVEL       ${LOG_LEVELS.join(', ')} (default info)
  --join-guess-limit N    redemptions with unknown join tokens allowed per source IP per minute (default ${DEFAULT_JOIN_GUESS_LIMIT})
`;

class UsageError extends Error {}

function parseListen(text: string): { host: string; port: number } {
  const colon = text.lastIndexOf(':');
  const host = colon < 0 ? '' : text.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const port = Number(text.slice(colon + 1));
  if (host === '' || !Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--listen ${text}: expected HOST:PORT, e.g. 0.0.0.0:8443 or 127.0.0.1:0`);
  return { host, port };
}

function parse(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'data-dir': { type: 'string', default: DEFAULT_DATA_DIR },
      listen: { type: 'string', default: DEFAULT_LISTEN },
      'advertise-host': { type: 'string', multiple: true, default: [] },
      'log-level': { type: 'string', default: 'info' },
      'join-guess-limit': { type: 'string', default: String(DEFAULT_JOIN_GUESS_LIMIT) },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const command = positionals[0] ?? 'serve';
  if (positionals.length > 1 || !['serve', 'ca-fingerprint'].includes(command)) throw new UsageError(`unknown command: ${positionals.join(' ')}`);
  if (!LOG_LEVELS.includes(values['log-level'])) throw new UsageError(`--log-level ${values['log-level']}: expected one of ${LOG_LEVELS.join(', ')}`);
  const guessLimit = Number(values['join-guess-limit']);
  if (!Number.isInteger(guessLimit) || guessLimit < 1) throw new UsageError(`--join-guess-limit ${values['join-guess-limit']}: expected a whole number >= 1`);
  return { command, help: values.help, dataDir: values['data-dir'], listen: parseListen(values.listen), advertiseHosts: values['advertise-host'], logLevel: values['log-level'], guessLimit };
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
    logger: { level: args.logLevel },
    joinGuessLimit: args.guessLimit,
    controlPlaneHosts: material.controlPlaneHosts,
  });
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
}

async function main(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (error) {
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
