#!/usr/bin/env node
// otherix-server [serve] | ca-fingerprint | admin-token: argv -> init data dir -> buildApp -> listen.
// The command line is node:util's parseArgs, not cac as in otherix and otherix-agent: parseArgs
// itself does what those two need @otherix/sdk/argv for around cac (values word for word, never
// numbers; an unknown flag, a flag without its value and `--flag -5` refused; the command word
// anywhere among the flags), and the server has three one-word commands and one usage text.
import './threadpool.js';
import { parseArgs } from 'node:util';
import { OtherixError, formatHostPort } from '@otherix/sdk';
import { buildApp } from './app.js';
import { adminTokenCommand } from './commands/admin-token.js';
import { DEFAULT_DATA_DIR } from './init/files.js';
import { caFingerprintOf, initDataDir } from './init/data-dir.js';
import { isRefusal } from './errors.js';
import { DEFAULT_LISTENER_LIMITS } from './listener.js';
import { adminTokenFileState } from './services/admin-token-file.js';
import { DEFAULT_JOIN_GUESS_LIMIT } from './services/rate-limit.js';
import { lifetimeWarning } from './services/node-cert-lifetime.js';
import { DEFAULT_LISTEN, LOG_LEVELS, resolveServerSettings } from './server-config.js';
import { startupLines } from './startup-lines.js';

/** How long SIGINT/SIGTERM waits for requests in flight before cutting connections. */
const SHUTDOWN_GRACE_MS = 10_000;

const USAGE = `usage:
  otherix-server [serve] [--data-dir DIR] [--listen HOST:PORT] [--advertise-host NAME]...
                 [--log-level LEVEL] [--join-guess-limit N] [--max-connections N]
                 [--node-cert-lifetime DURATION]
                 [--max-unauthenticated-per-source N]
                 [--database-url postgres://... --secret-file FILE]
  otherix-server ca-fingerprint [--data-dir DIR | --database-url URL]
  otherix-server admin-token [--data-dir DIR | --database-url URL] [--name NAME]
  otherix-server migrate-store --data-dir DIR --database-url URL --secret-file FILE

  --data-dir DIR          where the CA, certificates, database and admin.token live (default ${DEFAULT_DATA_DIR})
  --listen HOST:PORT      address to serve HTTPS on (default ${DEFAULT_LISTEN}; port 0 takes a free port)
  --advertise-host NAME   a name or address clients use to reach the CP (repeatable; goes into its certificate)
  --log-level LEVEL       ${LOG_LEVELS.join(', ')} (default info)
  --join-guess-limit N    redemptions with unknown join tokens allowed per source (IPv4 address, IPv6 /64) per minute (default ${DEFAULT_JOIN_GUESS_LIMIT})
  --max-connections N     open connections the CP accepts; beyond, new ones are closed at once (default ${DEFAULT_LISTENER_LIMITS.maxConnections};
                          each agent holds one: keep it above the node count, and the open-file limit above it)
  --node-cert-lifetime D  how long node certificates live, from signing: 1m to 365d (default 30d); joins,
                          re-issues and renewals use it, and agents renew at 2/3 of it. Under 1h is for tests
  --max-unauthenticated-per-source N
                          connections one source (IPv4 address, IPv6 /64) may hold before they authenticate;
                          beyond, its new ones are closed at once (default ${DEFAULT_LISTENER_LIMITS.maxUnauthenticatedPerSource})
  --database-url URL      run on PostgreSQL (postgres://user:password@host:port/database) as one of any number
                          of replicas sharing the cluster; without it the cluster is SQLite in the data dir,
                          and with it the data dir holds only this replica's lock and certificates
  --secret-file FILE      with --database-url: the secret (32+ characters, mode 0600) that seals the CA key
                          in the database; every replica gets a copy
  --name NAME             admin-token: the new admin token's name (default admin-recovery-<UTC time>)

  admin-token mints a new admin API token on the CP host, running or not, when no admin token
  is left: the token is printed once on stdout and only its hash is stored.
  migrate-store copies a stopped CP's SQLite cluster into an empty PostgreSQL database.

  Each flag can also come from the environment (flags win): OTHERIX_SERVER__DATA_DIR,
  OTHERIX_SERVER__LISTEN, OTHERIX_SERVER__LOG_LEVEL, OTHERIX_SERVER__JOIN_GUESS_LIMIT,
  OTHERIX_SERVER__MAX_CONNECTIONS, OTHERIX_SERVER__NODE_CERT_LIFETIME,
  OTHERIX_SERVER__MAX_CONNECTIONS, OTHERIX_SERVER__MAX_UNAUTHENTICATED_PER_SOURCE,
  OTHERIX_SERVER__ADVERTISE_HOSTS (comma-separated), OTHERIX_SERVER__DATABASE_URL,
  OTHERIX_SERVER__SECRET_FILE.
`;

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
      'max-connections': { type: 'string' },
      'node-cert-lifetime': { type: 'string' },
      'max-unauthenticated-per-source': { type: 'string' },
      'database-url': { type: 'string' },
      'secret-file': { type: 'string' },
      name: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const command = positionals[0] ?? 'serve';
  if (positionals.length > 1 || !['serve', 'ca-fingerprint', 'admin-token', 'migrate-store'].includes(command)) throw new OtherixError('usage', `unknown command: ${positionals.join(' ')}`);
  const settings = resolveServerSettings({
    dataDir: values['data-dir'],
    listen: values.listen,
    logLevel: values['log-level'],
    joinGuessLimit: values['join-guess-limit'],
    maxConnections: values['max-connections'],
    nodeCertLifetime: values['node-cert-lifetime'],
    maxUnauthenticatedPerSource: values['max-unauthenticated-per-source'],
    advertiseHosts: values['advertise-host'],
    databaseUrl: values['database-url'],
    secretFile: values['secret-file'],
  });
  if (command === 'migrate-store' && (values['data-dir'] === undefined || settings.databaseUrl === undefined)) {
    throw new OtherixError('usage', 'migrate-store needs --data-dir (the stopped CP\'s) and --database-url (an empty PostgreSQL database) and --secret-file');
  }
  if (values.name !== undefined && command !== 'admin-token') throw new OtherixError('usage', '--name is for admin-token only');
  return { command, help: values.help, name: values.name, ...settings };
}

async function serve(args: ReturnType<typeof parse>): Promise<void> {
  const material = args.databaseUrl === undefined
    ? await initDataDir({ dataDir: args.dataDir, advertiseHosts: args.advertiseHosts })
    : await (await import('./init/replica.js')).initReplica({ dataDir: args.dataDir, databaseUrl: args.databaseUrl, secretFile: args.secretFile, advertiseHosts: args.advertiseHosts });
  const lifetime = lifetimeWarning(args.nodeCertLifetimeMs);
  const warnings = lifetime === undefined ? material.warnings : [...material.warnings, lifetime];
  for (const warning of warnings) process.stderr.write(`otherix-server: warning: ${warning}\n`);
  const app = await buildApp({
    store: material.store,
    ca: material.ca,
    serving: material.serving,
    certificates: material.certificates,
    logger: { level: args.logLevel },
    joinGuessLimit: args.joinGuessLimit,
    controlPlaneHosts: material.controlPlaneHosts,
    nodeCertLifetimeMs: args.nodeCertLifetimeMs,
    listener: { maxConnections: args.maxConnections, maxUnauthenticatedPerSource: args.maxUnauthenticatedPerSource },
  });
  for (const warning of warnings) app.log.warn({ event: 'start_warning' }, warning);
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
  const url = `https://${address !== null && typeof address === 'object' ? formatHostPort(address.address, address.port) : formatHostPort(args.listen.host, args.listen.port)}`;
  app.log.info({ url, ca_fingerprint: material.ca.fingerprint, admin_token_file: material.files.adminToken }, 'otherix control plane ready');
  // Two human lines (startup-lines.ts); tests and scripts wait for the first. Never a secret.
  const adminTokenState = await adminTokenFileState(material.files.adminToken, material.store, Date.now());
  const facts = {
    url, listenHost: args.listen.host, advertiseHosts: args.advertiseHosts, fingerprint: material.ca.fingerprint, dataDir: material.files.dir,
    onPostgres: args.databaseUrl !== undefined,
  };
  for (const line of startupLines({ ...facts, adminTokenFile: material.files.adminToken, adminTokenState })) process.stderr.write(`${line}\n`);
}

async function main(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (error) {
    // Bad flags, bad OTHERIX_SERVER__* values (usage, config_invalid) and parseArgs' own errors.
    process.stderr.write(`otherix-server: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  try {
    if (args.command === 'ca-fingerprint') {
      process.stdout.write(`${args.databaseUrl === undefined ? await caFingerprintOf(args.dataDir) : await (await import('./init/replica.js')).sharedCaFingerprint(args.databaseUrl)}\n`);
      return 0;
    }
    if (args.command === 'admin-token') return await adminTokenCommand({ dataDir: args.dataDir, databaseUrl: args.databaseUrl, name: args.name });
    // PostgreSQL's client is loaded only when it is used: a SQLite CP starts without it.
    if (args.command === 'migrate-store') return await (await import('./commands/migrate-store.js')).migrateStoreCommand({ dataDir: args.dataDir, databaseUrl: args.databaseUrl!, secretFile: args.secretFile });
    await serve(args);
    return -1; // keep running
  } catch (error) {
    if (isRefusal(error)) process.stderr.write(`otherix-server: ${error.message}\n`);
    else process.stderr.write(`otherix-server: failed to start: ${(error as Error).message}\n`);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
if (code >= 0) process.exit(code);
