// The house map, as data: every room of the source tree, what it holds, and which rooms it may
// import. A file stands in the room with the longest path that holds it. The README's Layout
// map is this list in words, row for row (import-direction.test.ts holds them together), and
// the arrows point one way: the SDK imports nothing of ours; the shells (server, agent, cli)
// and the examples import the SDK; inside the server, routes -> services -> store, with plugins
// as the decorators that hand services to routes; nothing imports tests.

export interface Room {
  name: string;
  /** Repo-relative folders (ending in /) or files. */
  paths: string[];
  /** One line: what it holds. */
  holds: string;
  /** The rooms (by name) its files may import, besides their own. */
  mayImport: string[];
}

const SDK = 'sdk';
const SERVER_LEAVES = 'server leaves';

export const ROOMS: readonly Room[] = [
  // --- @otherix/sdk: everything the shells share ---
  { name: SDK, paths: ['sdk/src/'], holds: 'the SDK: client, pki, files, config, tokens, bootstrapNode()', mayImport: ['sdk generated'] },
  { name: 'sdk generated', paths: ['sdk/src/generated/'], holds: 'types generated from the API documents (never edited)', mayImport: [] },

  // --- @otherix/server: the control plane ---
  {
    name: 'server entry',
    paths: ['server/src/main.ts', 'server/src/index.ts'],
    holds: 'otherix-server argv -> start; the package public face',
    mayImport: [
      'server app',
      'server commands',
      'server boot',
      'server plugins',
      'server openapi',
      'server metrics',
      'server audit',
      'server backup',
      'server services',
      'server store',
      'server sqlite',
      'server postgres',
      'server pki',
      SERVER_LEAVES,
      SDK,
    ],
  },
  {
    name: 'server app',
    paths: ['server/src/app.ts'],
    holds: 'buildApp(): wires store, services and plugins into Fastify, autoloads routes/',
    mayImport: [
      'server plugins',
      'server metrics',
      'server services',
      'server store',
      'server sqlite',
      'server postgres',
      SERVER_LEAVES,
      SDK,
    ],
  },
  {
    name: 'server commands',
    paths: ['server/src/commands/'],
    holds: 'otherix-server subcommands beside serve (admin-token, backup, restore, migrate-store, ca-key-passphrase, rollback-ca-rotation)',
    // admin-token, ca-key-passphrase and rollback-ca-rotation write the audit line of the change they make without the CP (server audit).
    mayImport: [
      'server boot',
      'server backup',
      'server audit',
      'server services',
      'server store',
      'server sqlite',
      'server postgres',
      SERVER_LEAVES,
      SDK,
    ],
  },
  {
    name: 'server backup',
    paths: ['server/src/backup/'],
    holds: "backup and restore of a data dir: the archive's contents, tar, the database copy",
    // Like the commands, it knows the engine: it copies and checks SQLite's file itself.
    mayImport: ['server boot', 'server sqlite', SERVER_LEAVES, SDK],
  },
  {
    name: 'server boot',
    paths: ['server/src/init/', 'server/src/server-config.ts', 'server/src/startup-lines.ts'],
    holds: 'first start and every start: data dir, CA, CP certificates, lock, settings, start lines',
    mayImport: ['server services', 'server store', 'server sqlite', 'server postgres', 'server pki', SERVER_LEAVES, SDK],
  },
  {
    name: 'server routes',
    paths: ['server/src/routes/'],
    holds: 'one file per operation: validate, call a service, audit a change, reply',
    mayImport: ['server plugins', 'server openapi', 'server audit', 'server services', SERVER_LEAVES, SDK],
  },
  {
    name: 'server plugins',
    paths: ['server/src/plugins/'],
    holds: 'decorators: auth, errors, schemas, services, resources, renewal',
    // The renewal plugin takes the CP-certificate renewer that boot builds (a type import).
    mayImport: ['server boot', 'server openapi', 'server services', 'server store', SERVER_LEAVES, SDK],
  },
  {
    name: 'server openapi',
    paths: ['server/src/openapi/'],
    holds: 'route schemas, types and access (security, x-roles) from openapi.yaml',
    mayImport: ['server services', 'server store', SERVER_LEAVES, SDK],
  },
  {
    name: 'server metrics',
    paths: ['server/src/metrics/'],
    holds: "Prometheus metrics: the CP's instruments, the registry built at the first scrape, the join, heartbeat and renewal hooks",
    // A plugin of its own (app.metrics); it hears the services' group commits and reads the store's fleet counts (types).
    mayImport: ['server plugins', 'server services', 'server store', SERVER_LEAVES, SDK],
  },
  {
    name: 'server audit',
    paths: ['server/src/audit/'],
    holds: 'audit events: their names and fields, one info line per change',
    mayImport: ['server store', SERVER_LEAVES, SDK],
  },
  {
    name: 'server services',
    paths: ['server/src/services/'],
    holds: "the CP's rules: join tokens, redemption, nodes, heartbeats, renewals, API tokens, the CA",
    mayImport: ['server store', 'server pki', SERVER_LEAVES, SDK],
  },
  {
    name: 'server store',
    paths: ['server/src/store/'],
    holds:
      'the repository interface, in product words; the SQL both engines share: every statement (over their Sql face and Dialect), migrations, the status rule, row mapping',
    mayImport: [SERVER_LEAVES, SDK],
  },
  {
    name: 'server sqlite',
    paths: ['server/src/store/sqlite/'],
    holds: 'the SQLite engine of the store: its connections and dialect (what its SQL says its own way)',
    mayImport: ['server store', SERVER_LEAVES, SDK],
  },
  {
    name: 'server postgres',
    paths: ['server/src/store/postgres/'],
    holds: 'the PostgreSQL engine of the store: its pool and dialect (advisory locks, the shared cluster row)',
    mayImport: ['server store', SERVER_LEAVES, SDK],
  },
  { name: 'server pki', paths: ['server/src/pki/'], holds: "the CA's DER certificate writer", mayImport: [SDK] },
  {
    name: SERVER_LEAVES,
    paths: [
      'server/src/errors.ts',
      'server/src/listener.ts',
      'server/src/log-redaction.ts',
      'server/src/request-logging.ts',
      'server/src/threadpool.ts',
      'server/src/version.ts',
      'server/src/node-status-rule.ts',
      'server/src/timestamps.ts',
    ],
    holds:
      'HttpError, listener limits, log redaction, per-request log lines, thread pool size, the version, the node status rule as data, RFC 3339 timestamps',
    mayImport: [SDK],
  },

  // --- @otherix/agent: otherix-agent ---
  {
    name: 'agent entry',
    paths: ['agent/src/main.ts', 'agent/src/errors.ts'],
    holds: 'otherix-agent argv -> a command; errors and exit codes',
    mayImport: ['agent commands', SDK],
  },
  {
    name: 'agent commands',
    paths: ['agent/src/commands/'],
    holds: 'bootstrap, serve, renew, version: flags -> SDK or runtime',
    mayImport: ['agent runtime', SDK],
  },
  {
    name: 'agent runtime',
    paths: ['agent/src/runtime/'],
    holds: 'serve: State A, State B (mTLS server, heartbeats, renewal), inventory',
    mayImport: [SDK],
  },

  // --- @otherix/cli: otherix ---
  {
    name: 'cli entry',
    paths: ['cli/src/main.ts', 'cli/src/help.ts'],
    holds: 'otherix argv -> the command table, help',
    mayImport: ['cli command table', 'cli command flags', 'cli shared', 'cli errors', SDK],
  },
  {
    name: 'cli command table',
    paths: ['cli/src/command-table.ts'],
    holds: 'every command, its help and examples; loads a command lazily',
    mayImport: ['cli command flags', 'cli commands', SDK],
  },
  {
    name: 'cli command flags',
    paths: ['cli/src/command-flags.ts'],
    holds: "what a command receives (CommandInput) and every command's flags",
    mayImport: [SDK],
  },
  {
    name: 'cli commands',
    paths: ['cli/src/commands/'],
    holds: 'one file per command: options -> SDK client -> render',
    mayImport: ['cli command flags', 'cli render', 'cli shared', 'cli errors', SDK],
  },
  {
    name: 'cli shared',
    paths: ['cli/src/connection.ts', 'cli/src/output.ts', 'cli/src/page-query.ts', 'cli/src/id-argument.ts', 'cli/src/version.ts'],
    holds: 'the connection from flags and settings; output; page and id arguments; the version',
    mayImport: ['cli render', 'cli errors', SDK],
  },
  {
    name: 'cli render',
    paths: ['cli/src/render/'],
    holds: 'tables, times, the mint block, the bootstrap command, completion scripts, JSON passthrough',
    mayImport: [SDK],
  },
  { name: 'cli errors', paths: ['cli/src/errors.ts'], holds: 'usage errors and the one error line', mayImport: [SDK] },

  // --- automation over the SDK ---
  { name: 'examples', paths: ['examples/'], holds: 'one runnable file per use case', mayImport: [SDK] },
];

/**
 * Arrows the code has today against the map, each named and explained; the test fails when one
 * is gone (take it out of this list) and on any arrow against the map that is not here.
 */
export interface KnownBreak {
  /** Repo-relative importing files. */
  from: string[];
  /** The repo-relative file they import. */
  to: string;
  why: string;
}

export const KNOWN_BREAKS: readonly KnownBreak[] = [];
