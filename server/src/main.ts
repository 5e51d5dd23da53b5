#!/usr/bin/env node
// otherix-server [serve] | ca-fingerprint | admin-token | backup | restore | migrate-store | rollback-ca-rotation:
// argv -> init data dir -> buildApp -> listen (serve), or the command (commands/).
// The command line is node:util's parseArgs, not cac as in otherix and otherix-agent: parseArgs
// itself does what those two need @otherix/sdk/argv for around cac (values word for word, never
// numbers; an unknown flag, a flag without its value and `--flag -5` refused; the command word
// anywhere among the flags), and the server has eight one-word commands and one usage text.
import './threadpool.js';
import { parseArgs } from 'node:util';
import { OtherixError } from '@otherix/sdk';
import { formatHostPort } from '@otherix/sdk/internal';
import { buildApp } from './app.js';
import { startMetricsServer } from '@otherix/sdk/metrics-server';
import { adminTokenCommand } from './commands/admin-token.js';
import { backupCommand } from './commands/backup.js';
import { caKeyPassphraseCommand } from './commands/ca-key-passphrase.js';
import { restoreCommand } from './commands/restore.js';
import { rollbackCaRotationCommand } from './commands/rollback-ca-rotation.js';
import { DEFAULT_DATA_DIR } from './init/files.js';
import { caFingerprintOf, initDataDir } from './init/data-dir.js';
import { failureLine, usageLine } from './errors.js';
import { DEFAULT_LISTENER_LIMITS } from './listener.js';
import { adminTokenFileState } from './services/admin-token-file.js';
import { DEFAULT_JOIN_GUESS_LIMIT } from './services/rate-limit.js';
import { lifetimeWarning } from './services/node-cert-lifetime.js';
import { DEFAULT_LISTEN, LOG_LEVELS, resolveServerSettings } from './server-config.js';
import { startupLines } from './startup-lines.js';
import { serverVersion } from './version.js';

/** How long SIGINT/SIGTERM waits for requests in flight before cutting connections. */
const SHUTDOWN_GRACE_MS = 10_000;

const USAGE = `usage:
  otherix-server [serve] [--data-dir DIR] [--listen HOST:PORT] [--advertise-host NAME]...
                 [--log-level LEVEL] [--join-guess-limit N] [--max-connections N]
                 [--node-cert-lifetime DURATION] [--max-unauthenticated-per-source N]
                 [--metrics-listen HOST:PORT] [--ca-key-passphrase-file FILE]
                 [--database-url postgres://... --secret-file FILE]
  otherix-server ca-fingerprint [--data-dir DIR | --database-url URL]
  otherix-server admin-token [--data-dir DIR | --database-url URL] [--name NAME]
  otherix-server backup [--data-dir DIR] --out FILE
  otherix-server restore [--data-dir DIR] --from FILE
  otherix-server migrate-store --data-dir DIR --database-url URL --secret-file FILE [--ca-key-passphrase-file FILE]
  otherix-server ca-key-passphrase [--data-dir DIR] [--ca-key-passphrase-file FILE] (--new-passphrase-file FILE | --remove-passphrase)
  otherix-server rollback-ca-rotation [--data-dir DIR]
  otherix-server version | --version

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
  --metrics-listen HOST:PORT  serve Prometheus metrics at http://HOST:PORT/metrics, plain HTTP (default off;
                          bind it to loopback or a management network)
  --database-url URL      run on PostgreSQL (postgres://user:password@host:port/database) as one of any number
                          of replicas sharing the cluster; without it the cluster is SQLite in the data dir,
                          and with it the data dir holds only this replica's lock and certificates
  --secret-file FILE      with --database-url: the secret (32+ characters, mode 0600) that seals the CA key
                          in the database; every replica gets a copy
  --ca-key-passphrase-file FILE
                          keep ca.key encrypted (scrypt + AES-256-GCM) with the passphrase in FILE (mode 0600,
                          not empty; one trailing newline is not part of it). A first start writes the key
                          encrypted; a start on a data dir with a plain ca.key encrypts it in place. From then
                          on every start needs the file: without it the start is refused (ca_key_locked), with
                          another passphrase too (ca_key_passphrase_wrong). SQLite data dirs only (on
                          PostgreSQL --secret-file seals the key); migrate-store takes it to read an encrypted ca.key
  --name NAME             admin-token: the new admin token's name (default admin-recovery-<UTC time>)
  --out FILE              backup: the archive to write (mode 0600; refused if it exists)
  --from FILE             restore: the archive to restore into the data dir (which must be empty or missing)
  --new-passphrase-file FILE
                          ca-key-passphrase: encrypt ca.key (and a CA rotation's ca-next.key) with the passphrase
                          in FILE instead; --ca-key-passphrase-file names the current one (none for a plain key)
  --remove-passphrase     ca-key-passphrase: write them plain again (0600 PKCS#8)

  admin-token mints a new admin API token on the CP host, running or not, when no admin token
  is left: the token is printed once on stdout and only its hash is stored; the last line on
  stderr is the change's audit line (api_token.created), as a running CP would log it.
  migrate-store copies a stopped CP's SQLite cluster into an empty PostgreSQL database.
  ca-key-passphrase changes the passphrase of a stopped CP's encrypted ca.key, encrypts a plain one,
  or removes it; every key opens before any is written, and a run cut short is finished by running
  it again. Backups taken before keep the old form.
  rollback-ca-rotation rolls a stopped CP's CA rotation back (what \`otherix ca rotation rollback\`
  does), for a SQLite data dir that cannot start because its ca-next.key was lost.

  backup copies a data dir, the CP running or not, into one 0600 tar file: the database at one
  instant (SQLite's VACUUM INTO), the CA (an encrypted ca.key as it is), the CP's certificates,
  admin.token and cluster-id. Run it as the data dir's owner. restore writes it into an empty or
  new data dir; a CP started there is the same cluster and keeps every node with its certificate
  (see the README); a restored encrypted ca.key needs its --ca-key-passphrase-file to start.

  Each flag can also come from the environment (flags win): OTHERIX_SERVER__DATA_DIR,
  OTHERIX_SERVER__LISTEN, OTHERIX_SERVER__LOG_LEVEL, OTHERIX_SERVER__JOIN_GUESS_LIMIT,
  OTHERIX_SERVER__MAX_CONNECTIONS, OTHERIX_SERVER__NODE_CERT_LIFETIME,
  OTHERIX_SERVER__MAX_UNAUTHENTICATED_PER_SOURCE, OTHERIX_SERVER__ADVERTISE_HOSTS (comma-separated),
  OTHERIX_SERVER__METRICS_LISTEN, OTHERIX_SERVER__DATABASE_URL, OTHERIX_SERVER__SECRET_FILE,
  OTHERIX_SERVER__CA_KEY_PASSPHRASE_FILE.

Examples:
  $ otherix-server --data-dir /var/lib/otherix/cp --advertise-host cp.example --metrics-listen 127.0.0.1:9464
  $ otherix-server --data-dir /var/lib/otherix/cp --ca-key-passphrase-file /etc/otherix/ca-key.passphrase
  $ otherix-server ca-fingerprint --data-dir /var/lib/otherix/cp
  $ otherix-server admin-token --data-dir /var/lib/otherix/cp --name ops-recovery
  $ otherix-server backup --data-dir /var/lib/otherix/cp --out /backup/otherix-2026-11-29.tar
  $ otherix-server restore --data-dir /var/lib/otherix/cp-restored --from /backup/otherix-2026-11-29.tar
  $ otherix-server --data-dir /var/lib/otherix/replica --database-url postgres://otherix@db.example/otherix --secret-file /etc/otherix/secret --advertise-host cp-2.example
  $ otherix-server ca-key-passphrase --data-dir /var/lib/otherix/cp --ca-key-passphrase-file /etc/otherix/ca-key.passphrase --new-passphrase-file /etc/otherix/ca-key.passphrase.new
  $ otherix-server migrate-store --data-dir /var/lib/otherix/cp --database-url postgres://otherix:...@db.example/otherix --secret-file /etc/otherix/secret
  $ otherix-server rollback-ca-rotation --data-dir /var/lib/otherix/cp
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
      'metrics-listen': { type: 'string' },
      'database-url': { type: 'string' },
      'secret-file': { type: 'string' },
      'ca-key-passphrase-file': { type: 'string' },
      name: { type: 'string' },
      out: { type: 'string' },
      from: { type: 'string' },
      'new-passphrase-file': { type: 'string' },
      'remove-passphrase': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      version: { type: 'boolean', short: 'v', default: false },
    },
  });
  const command = positionals[0] ?? 'serve';
  if (
    positionals.length > 1 ||
    ![
      'serve',
      'ca-fingerprint',
      'admin-token',
      'backup',
      'restore',
      'migrate-store',
      'ca-key-passphrase',
      'rollback-ca-rotation',
      'version',
    ].includes(command)
  )
    throw new OtherixError('usage', `unknown command: ${positionals.join(' ')}`);
  const settings = resolveServerSettings({
    dataDir: values['data-dir'],
    listen: values.listen,
    logLevel: values['log-level'],
    joinGuessLimit: values['join-guess-limit'],
    maxConnections: values['max-connections'],
    nodeCertLifetime: values['node-cert-lifetime'],
    maxUnauthenticatedPerSource: values['max-unauthenticated-per-source'],
    advertiseHosts: values['advertise-host'],
    metricsListen: values['metrics-listen'],
    databaseUrl: values['database-url'],
    secretFile: values['secret-file'],
    caKeyPassphraseFile: values['ca-key-passphrase-file'],
  });
  if (command === 'migrate-store' && (values['data-dir'] === undefined || settings.databaseUrl === undefined)) {
    throw new OtherixError(
      'usage',
      "migrate-store needs --data-dir (the stopped CP's) and --database-url (an empty PostgreSQL database) and --secret-file",
    );
  }
  if (command === 'rollback-ca-rotation' && settings.databaseUrl !== undefined)
    throw new OtherixError(
      'usage',
      "rollback-ca-rotation is for a CP on its SQLite data dir: on PostgreSQL the new CA's key is sealed in the database, and any replica rolls back with `otherix ca rotation rollback`",
    );
  if (values['ca-key-passphrase-file'] !== undefined && !['serve', 'migrate-store', 'ca-key-passphrase'].includes(command))
    throw new OtherixError(
      'usage',
      '--ca-key-passphrase-file is for serve, migrate-store and ca-key-passphrase, the commands that read ca.key',
    );
  if ((values['new-passphrase-file'] !== undefined || values['remove-passphrase']) && command !== 'ca-key-passphrase')
    throw new OtherixError('usage', '--new-passphrase-file and --remove-passphrase are for ca-key-passphrase only');
  if (!values.help && command === 'ca-key-passphrase') {
    if ((values['new-passphrase-file'] === undefined) === !values['remove-passphrase'])
      throw new OtherixError(
        'usage',
        'ca-key-passphrase needs either --new-passphrase-file FILE (encrypt with that passphrase) or --remove-passphrase (write ca.key plain)',
      );
    if (settings.databaseUrl !== undefined)
      throw new OtherixError(
        'usage',
        'ca-key-passphrase is for a SQLite data dir: on PostgreSQL the CA key is sealed in the database with --secret-file',
      );
  }
  if (command === 'serve' && settings.databaseUrl !== undefined && settings.caKeyPassphraseFile !== undefined)
    throw new OtherixError(
      'usage',
      `${settings.caKeyPassphraseOrigin} is for a CP on its SQLite data dir: on PostgreSQL the CA key is sealed in the database with --secret-file`,
    );
  if (values.name !== undefined && command !== 'admin-token') throw new OtherixError('usage', '--name is for admin-token only');
  if (values.out !== undefined && command !== 'backup') throw new OtherixError('usage', '--out is for backup only');
  if (values.from !== undefined && command !== 'restore') throw new OtherixError('usage', '--from is for restore only');
  if (!values.help && command === 'backup' && (values.out ?? '') === '')
    throw new OtherixError('usage', 'backup needs --out FILE: where to write the archive');
  if (!values.help && command === 'restore' && (values.from ?? '') === '')
    throw new OtherixError('usage', 'restore needs --from FILE: the archive otherix-server backup wrote');
  return {
    command: values.version ? 'version' : command,
    help: values.help,
    name: values.name,
    out: values.out ?? '',
    from: values.from ?? '',
    newPassphraseFile: values['new-passphrase-file'],
    removePassphrase: values['remove-passphrase'],
    ...settings,
  };
}

async function serve(args: ReturnType<typeof parse>): Promise<void> {
  const material =
    args.databaseUrl === undefined
      ? await initDataDir({ dataDir: args.dataDir, advertiseHosts: args.advertiseHosts, caKeyPassphraseFile: args.caKeyPassphraseFile })
      : await (
          await import('./init/replica.js')
        ).initReplica({
          dataDir: args.dataDir,
          databaseUrl: args.databaseUrl,
          secretFile: args.secretFile,
          advertiseHosts: args.advertiseHosts,
        });
  const lifetime = lifetimeWarning(args.nodeCertLifetimeMs);
  const warnings = lifetime === undefined ? material.warnings : [...material.warnings, lifetime];
  for (const warning of warnings) process.stderr.write(`otherix-server: warning: ${warning}\n`);
  const app = await buildApp({
    store: material.store,
    ca: material.ca,
    serving: material.serving,
    certificates: material.certificates,
    caKeys: material.caKeys,
    logger: { level: args.logLevel },
    joinGuessLimit: args.joinGuessLimit,
    controlPlaneHosts: material.controlPlaneHosts,
    nodeCertLifetimeMs: args.nodeCertLifetimeMs,
    listener: { maxConnections: args.maxConnections, maxUnauthenticatedPerSource: args.maxUnauthenticatedPerSource },
    version: serverVersion(),
  });
  for (const warning of warnings) app.log.warn({ event: 'start_warning' }, warning);
  let closing = false;
  let metricsServer: Awaited<ReturnType<typeof startMetricsServer>> | undefined;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: no new connections, finishing requests in flight');
    // Past the grace period, connections still open are cut: a request still running then may lose its answer.
    setTimeout(() => app.server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
    Promise.resolve(metricsServer?.close())
      .then(() => app.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          app.log.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  if (args.metricsListen !== undefined) {
    // Before the API listens: a metrics address that is taken stops the start before it serves.
    const onError = (error: unknown): void => app.log.warn({ err: error }, 'a metrics scrape failed');
    app.metrics.collectProcessMetrics();
    metricsServer = await startMetricsServer({ ...args.metricsListen, source: app.metrics, onError }).catch(async (error: unknown) => {
      await app.close();
      throw new OtherixError(
        'config_invalid',
        `cannot serve metrics on --metrics-listen ${formatHostPort(args.metricsListen!.host, args.metricsListen!.port)} (${(error as { code?: string }).code ?? (error as Error).message}): pick a free address, or leave the flag out`,
      );
    });
  }
  await app.listen({ host: args.listen.host, port: args.listen.port });
  const address = app.server.address();
  const url = `https://${address !== null && typeof address === 'object' ? formatHostPort(address.address, address.port) : formatHostPort(args.listen.host, args.listen.port)}`;
  // What a client pins now: the CA the CP serves from (a CA rotation's new one from update_servers on).
  const fingerprint = app.services.caRotation.trust.serving.fingerprint;
  app.log.info({ url, ca_fingerprint: fingerprint, admin_token_file: material.files.adminToken }, 'otherix control plane ready');
  // Two human lines (startup-lines.ts); tests and scripts wait for the first. Never a secret.
  const adminTokenState = await adminTokenFileState(material.files.adminToken, material.store, Date.now());
  const facts = {
    url,
    listenHost: args.listen.host,
    advertiseHosts: args.advertiseHosts,
    fingerprint,
    dataDir: material.files.dir,
    onPostgres: args.databaseUrl !== undefined,
  };
  for (const line of startupLines({ ...facts, adminTokenFile: material.files.adminToken, adminTokenState }))
    process.stderr.write(`${line}\n`);
  if (metricsServer !== undefined) {
    app.log.info({ url: metricsServer.url }, 'metrics listening');
    process.stderr.write(`otherix-server metrics on ${metricsServer.url} (plain HTTP: keep it on loopback or a management network)\n`);
  }
}

async function main(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (error) {
    // Bad flags, bad OTHERIX_SERVER__* values (usage, config_invalid) and parseArgs' own errors.
    process.stderr.write(`${usageLine(error)}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (args.command === 'version') {
    process.stdout.write(`otherix-server ${serverVersion()}\n`);
    return 0;
  }
  try {
    if (args.command === 'ca-fingerprint') {
      process.stdout.write(
        `${args.databaseUrl === undefined ? await caFingerprintOf(args.dataDir) : await (await import('./init/replica.js')).sharedCaFingerprint(args.databaseUrl)}\n`,
      );
      return 0;
    }
    if (args.command === 'admin-token')
      return await adminTokenCommand({ dataDir: args.dataDir, databaseUrl: args.databaseUrl, name: args.name });
    if (args.command === 'backup') return await backupCommand({ dataDir: args.dataDir, out: args.out });
    if (args.command === 'restore') return await restoreCommand({ dataDir: args.dataDir, from: args.from });
    if (args.command === 'ca-key-passphrase')
      return await caKeyPassphraseCommand({
        dataDir: args.dataDir,
        currentPassphraseFile: args.caKeyPassphraseFile,
        newPassphraseFile: args.newPassphraseFile,
        remove: args.removePassphrase,
      });
    if (args.command === 'rollback-ca-rotation') return await rollbackCaRotationCommand({ dataDir: args.dataDir });
    // PostgreSQL's client is loaded only when it is used: a SQLite CP starts without it.
    if (args.command === 'migrate-store')
      return await (
        await import('./commands/migrate-store.js')
      ).migrateStoreCommand({
        dataDir: args.dataDir,
        databaseUrl: args.databaseUrl!,
        secretFile: args.secretFile,
        caKeyPassphraseFile: args.caKeyPassphraseFile,
      });
    await serve(args);
    return -1; // keep running
  } catch (error) {
    process.stderr.write(`${failureLine(error)}\n`);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
if (code >= 0) process.exit(code);
