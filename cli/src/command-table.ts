// Every `otherix` command: its words, flags, help and example, and how to load its code.
// Only this table and cac are loaded for `--help`; a command's module (and with it the SDK,
// undici and x509) is imported when that command runs, to keep cold start short (SPEC §7).

export interface OptionSpec {
  /** cac's raw name, e.g. `--ttl <duration>`; no brackets means a boolean. */
  flag: string;
  description: string;
  default?: string | number;
}

export interface CommandSpec {
  /** The words that name the command, e.g. `node join-token create`. */
  name: string;
  /** Positionals in cac's syntax, e.g. `<token-id>`. */
  args?: string;
  description: string;
  options: OptionSpec[];
  examples: string[];
  load: () => Promise<CommandModule>;
}

/** What a command's action receives: positionals and the parsed, camelCased options. */
export interface CommandInput {
  args: string[];
  options: Record<string, unknown>;
  /** The argv after the command words, for values that must stay verbatim strings. */
  argv: string[];
}

export interface CommandModule {
  run(input: CommandInput): Promise<void>;
}

const OUTPUT: OptionSpec = { flag: '--output <format>', description: 'text or json (json prints the API body unchanged)', default: 'text' };
const LIMIT: OptionSpec = { flag: '--limit <n>', description: 'Items per page, 1..500 (the server defaults to 100)' };
const CURSOR: OptionSpec = { flag: '--cursor <cursor>', description: 'Resume from the cursor a previous page printed' };
const SHOW_IDS: OptionSpec = { flag: '--show-ids', description: 'Show the UUIDs the table hides' };

/** Connection flags, accepted by every command (flags > env > config file). */
export const CONNECTION_OPTIONS: OptionSpec[] = [
  { flag: '--cp-url <url>', description: 'Control-plane URL (env OTHERIX_CP_URL)' },
  { flag: '--ca-fingerprint <fingerprint>', description: 'Cluster CA sha256 fingerprint to pin (env OTHERIX_CA_FINGERPRINT)' },
  { flag: '--token <token>', description: 'API token (visible in the process list; prefer --token-path or --token-env)' },
  { flag: '--token-path <file>', description: 'Read the API token from a file' },
  { flag: '--token-env <name>', description: 'Read the API token from this environment variable (default OTHERIX_TOKEN)' },
];

export const COMMANDS: CommandSpec[] = [
  {
    name: 'login',
    description: 'Pin the cluster CA, check the token and save the connection settings (0600)',
    options: [],
    examples: ['  $ otherix login --cp-url https://cp.example:8443 --ca-fingerprint sha256:1a2b3c... --token-path ~/admin.token'],
    load: () => import('./commands/login.js'),
  },
  {
    name: 'whoami',
    description: 'Show the name and role of the API token in use',
    options: [OUTPUT],
    examples: ['  $ otherix whoami'],
    load: () => import('./commands/whoami.js'),
  },
  {
    name: 'node join-token create',
    description: 'Mint a join token (admin); prints the token and the CA fingerprint once',
    options: [
      { flag: '--ttl <duration>', description: 'Validity, clamped to [1m, 24h]', default: '1h' },
      { flag: '--max-uses <n>', description: 'Consumption cap; 0 means unlimited within the TTL', default: 0 },
      { flag: '--node-name <name>', description: 'Bind the token to one node identity (forces single-use)' },
      OUTPUT,
    ],
    examples: [
      '  $ otherix node join-token create --node-name node-1 --ttl 10m',
      '  $ otherix node join-token create --max-uses 20 --ttl 2h',
    ],
    load: () => import('./commands/node/join-token/create.js'),
  },
  {
    name: 'node join-token list',
    description: 'List join tokens, newest first (admin); expired ones only with --include-expired',
    options: [{ flag: '--include-expired', description: 'Also list tokens whose TTL has run out' }, LIMIT, CURSOR, OUTPUT],
    examples: ['  $ otherix node join-token list --include-expired --limit 50'],
    load: () => import('./commands/node/join-token/list.js'),
  },
  {
    name: 'node join-token revoke',
    args: '<token-id>',
    description: 'Revoke an unconsumed join token by id (admin; idempotent)',
    options: [OUTPUT],
    examples: ['  $ otherix node join-token revoke 9f1c0a4e-5b7d-4c1e-9a0b-2d3e4f5a6b7c'],
    load: () => import('./commands/node/join-token/revoke.js'),
  },
  {
    name: 'node join-token consumptions',
    args: '<token-id>',
    description: 'Audit trail of a join token: which nodes redeemed it, when, from which IP (admin)',
    options: [LIMIT, CURSOR, OUTPUT],
    examples: ['  $ otherix node join-token consumptions 9f1c0a4e-5b7d-4c1e-9a0b-2d3e4f5a6b7c'],
    load: () => import('./commands/node/join-token/consumptions.js'),
  },
  {
    name: 'node list',
    description: 'List nodes by name, in the projection your role receives',
    options: [
      { flag: '--architecture <arch>', description: 'Only nodes of this architecture (amd64, arm64, ...)' },
      { flag: '--status <status>', description: 'Only nodes in this status: pending, ready, not_ready, cordoned' },
      { flag: '--expiring-within <duration>', description: 'Only nodes whose certificate ends within this time (7d, 36h): the ones that failed to renew' },
      SHOW_IDS,
      LIMIT,
      CURSOR,
      OUTPUT,
    ],
    examples: ['  $ otherix node list --status ready --architecture amd64', '  $ otherix node list --expiring-within 7d'],
    load: () => import('./commands/node/list.js'),
  },
  {
    name: 'node get',
    args: '<node-name>',
    description: 'Show one node by name (not by id), in the projection your role receives',
    options: [SHOW_IDS, OUTPUT],
    examples: ['  $ otherix node get node-1 --show-ids'],
    load: () => import('./commands/node/get.js'),
  },
  {
    name: 'api-token create',
    description: 'Create an API token (admin); prints the token once',
    options: [
      { flag: '--name <name>', description: 'Who or what holds the token (shown as CREATED-BY)' },
      { flag: '--role <role>', description: 'admin, operator, developer or viewer' },
      { flag: '--ttl <duration>', description: 'Validity (at least 1m); omitted means it does not expire' },
      OUTPUT,
    ],
    examples: ['  $ otherix api-token create --name ci-bot --role viewer --ttl 720h'],
    load: () => import('./commands/api-token/create.js'),
  },
  {
    name: 'api-token list',
    description: 'List API tokens (admin)',
    options: [LIMIT, CURSOR, OUTPUT],
    examples: ['  $ otherix api-token list'],
    load: () => import('./commands/api-token/list.js'),
  },
  {
    name: 'api-token revoke',
    args: '<id>',
    description: 'Revoke an API token by id (admin)',
    options: [OUTPUT],
    examples: ['  $ otherix api-token revoke 3b2a1c0d-4e5f-4a6b-8c7d-9e0f1a2b3c4d'],
    load: () => import('./commands/api-token/revoke.js'),
  },
];

/** Words that start commands but are not commands themselves (`otherix node`). */
export const COMMAND_GROUPS = ['node', 'node join-token', 'api-token'];
