// Every `otherix` command: its words, its flags (typed: @otherix/sdk/argv reads their values),
// help and example, and how to load its code. Only this table, cac and the SDK's leaf modules
// (argv, errors, terminal-text) are loaded for `--help`; a command's module (and with it the
// SDK's client, undici and x509) is imported when that command runs, to keep cold start short
// (SPEC §7).
import { flagSpec } from '@otherix/sdk/argv';
import type { FlagSpecs, FlagValues } from '@otherix/sdk/argv';

export interface CommandSpec<F extends FlagSpecs = FlagSpecs> {
  /** The words that name the command, e.g. `node join-token create`. */
  name: string;
  /** Positionals in cac's syntax, e.g. `<token-id>`. */
  args?: string;
  /** The values the positional takes, when they are a fixed list (completion scripts offer them). */
  argChoices?: readonly string[];
  description: string;
  /** Its own flags; every command also takes CONNECTION_FLAGS. */
  flags: F;
  examples: string[];
  load: () => Promise<CommandModule<F>>;
}

/** What a command's run() receives: positionals, its flags read and typed, and the connection flags. */
export interface CommandInput<F extends FlagSpecs> {
  args: string[];
  options: FlagValues<F>;
  connection: FlagValues<typeof CONNECTION_FLAGS>;
  /** This table itself, for what is written from it (`otherix completion`). */
  table: CommandTable;
}

/** Every command, the words that group them, and the flags all of them take. */
export interface CommandTable {
  commands: readonly CommandSpec[];
  groups: readonly string[];
  connectionFlags: typeof CONNECTION_FLAGS;
}

interface CommandModule<F extends FlagSpecs> {
  run(input: CommandInput<F>): Promise<void>;
}

const text = (flag: string, description: string) => flagSpec({ flag, description, kind: { type: 'string' } });

const OUTPUT = flagSpec({
  flag: '--output <format>',
  description: 'text or json (json prints the API body unchanged)',
  kind: { type: 'choice', choices: ['text', 'json'] },
  default: 'text',
});
const LIMIT = flagSpec({
  flag: '--limit <n>',
  description: 'Items per page, 1..500 (the server defaults to 100)',
  kind: { type: 'integer', min: 1, max: 500 },
});
const CURSOR = text('--cursor <cursor>', 'Resume from the cursor a previous page printed');
const SHOW_IDS = flagSpec({ flag: '--show-ids', description: 'Show the UUIDs the table hides', kind: { type: 'switch' } });

/** Connection flags, accepted by every command (flags > env > config file). */
export const CONNECTION_FLAGS = {
  cpUrl: text('--cp-url <url>', 'Control-plane URL; replicas of one cluster comma-separated, tried in order (env OTHERIX_CP_URL)'),
  caFingerprint: text('--ca-fingerprint <fingerprint>', 'Cluster CA sha256 fingerprint to pin (env OTHERIX_CA_FINGERPRINT)'),
  token: text('--token <token>', 'API token (visible in the process list; prefer --token-path or --token-env)'),
  tokenPath: text('--token-path <file>', 'Read the API token from a file'),
  tokenEnv: text('--token-env <name>', 'Read the API token from this environment variable (default OTHERIX_TOKEN)'),
};

/** The API's ttl_seconds maximum (2^31-1); the CP clamps every join token TTL to [1m, 24h] (seed). */
const MAX_TTL_SECONDS = 2_147_483_647;

export const WHOAMI_FLAGS = { output: OUTPUT };
export const VERSION_FLAGS = {};
export const JOIN_TOKEN_CREATE_FLAGS = {
  ttl: flagSpec({
    flag: '--ttl <duration>',
    description: 'Validity, clamped to [1m, 24h]',
    kind: { type: 'seconds', atMost: MAX_TTL_SECONDS },
    default: '1h',
  }),
  maxUses: flagSpec({
    flag: '--max-uses <n>',
    description: 'Consumption cap; 0 means unlimited within the TTL',
    kind: { type: 'integer', min: 0, max: 1_000_000 },
    default: '0',
  }),
  nodeName: text('--node-name <name>', 'Bind the token to one node identity (forces single-use)'),
  printBootstrapCommand: flagSpec({
    flag: '--print-bootstrap-command',
    description:
      'After the block, print the otherix-agent bootstrap command for this CP (the token from OTHERIX_BOOTSTRAP__TOKEN, not argv)',
    kind: { type: 'switch' },
  }),
  output: OUTPUT,
};
export const JOIN_TOKEN_LIST_FLAGS = {
  includeExpired: flagSpec({ flag: '--include-expired', description: 'Also list tokens whose TTL has run out', kind: { type: 'switch' } }),
  limit: LIMIT,
  cursor: CURSOR,
  output: OUTPUT,
};
export const OUTPUT_FLAGS = { output: OUTPUT };
export const CA_ROTATION_NEXT_FLAGS = {
  force: flagSpec({
    flag: '--force',
    description: 'Leave the phase even while nodes that heartbeat lag (named in the answer)',
    kind: { type: 'switch' },
  }),
  output: OUTPUT,
};
export const PAGE_FLAGS = { limit: LIMIT, cursor: CURSOR, output: OUTPUT };
export const NODE_LIST_FLAGS = {
  architecture: text('--architecture <arch>', 'Only nodes of this architecture (amd64, arm64, ...)'),
  status: flagSpec({
    flag: '--status <status>',
    description: 'Only nodes in this status: pending, ready, not_ready, cordoned',
    kind: { type: 'choice', choices: ['pending', 'ready', 'not_ready', 'cordoned'] },
  }),
  expiringWithin: flagSpec({
    flag: '--expiring-within <duration>',
    description: 'Only nodes whose certificate ends within this time (7d, 36h): the ones that failed to renew',
    // A window past every certificate's end is the same as 100 years (a leaf lives at most 365d).
    kind: { type: 'long-duration', atMost: 36_500 * 86_400_000 },
  }),
  showIds: SHOW_IDS,
  limit: LIMIT,
  cursor: CURSOR,
  output: OUTPUT,
};
export const NODE_GET_FLAGS = { showIds: SHOW_IDS, output: OUTPUT };
export const API_TOKEN_CREATE_FLAGS = {
  name: flagSpec({
    flag: '--name <name>',
    description: 'Who or what holds the token (shown as CREATED-BY)',
    kind: { type: 'string' },
    required: true,
  }),
  role: flagSpec({
    flag: '--role <role>',
    description: 'admin, operator, developer or viewer',
    kind: { type: 'choice', choices: ['admin', 'operator', 'developer', 'viewer'] },
    required: true,
  }),
  ttl: flagSpec({
    flag: '--ttl <duration>',
    description: 'Validity (at least 1m); omitted means it does not expire',
    kind: { type: 'seconds' },
  }),
  output: OUTPUT,
};

function command<const F extends FlagSpecs>(spec: CommandSpec<F>): CommandSpec<F> {
  return spec;
}

export const COMMANDS: readonly CommandSpec[] = [
  command({
    name: 'login',
    description: 'Pin the cluster CA, check the token and save the connection settings (0600)',
    flags: {},
    examples: ['  $ otherix login --cp-url https://cp.example:8443 --ca-fingerprint sha256:1a2b3c... --token-path ~/admin.token'],
    load: () => import('./commands/login.js'),
  }),
  command({
    name: 'whoami',
    description: 'Show the name and role of the API token in use',
    flags: WHOAMI_FLAGS,
    examples: ['  $ otherix whoami'],
    load: () => import('./commands/whoami.js'),
  }),
  command({
    name: 'version',
    description: 'Print the version of this otherix (also --version)',
    flags: VERSION_FLAGS,
    examples: ['  $ otherix version'],
    load: () => import('./commands/version.js'),
  }),
  command({
    name: 'node join-token create',
    description: 'Mint a join token (admin); prints the token and the CA fingerprint once',
    flags: JOIN_TOKEN_CREATE_FLAGS,
    examples: [
      '  $ otherix node join-token create --node-name node-1 --ttl 10m',
      '  $ otherix node join-token create --max-uses 20 --ttl 2h',
      '  $ otherix node join-token create --node-name node-1 --print-bootstrap-command',
    ],
    load: () => import('./commands/node/join-token/create.js'),
  }),
  command({
    name: 'node join-token list',
    description: 'List join tokens, newest first (admin); expired ones only with --include-expired',
    flags: JOIN_TOKEN_LIST_FLAGS,
    examples: ['  $ otherix node join-token list --include-expired --limit 50'],
    load: () => import('./commands/node/join-token/list.js'),
  }),
  command({
    name: 'node join-token revoke',
    args: '<token-id>',
    description: 'Revoke an unconsumed join token by id (admin; idempotent)',
    flags: OUTPUT_FLAGS,
    examples: ['  $ otherix node join-token revoke 9f1c0a4e-5b7d-4c1e-9a0b-2d3e4f5a6b7c'],
    load: () => import('./commands/node/join-token/revoke.js'),
  }),
  command({
    name: 'node join-token consumptions',
    args: '<token-id>',
    description: 'Audit trail of a join token: which nodes redeemed it, when, from which IP (admin)',
    flags: PAGE_FLAGS,
    examples: ['  $ otherix node join-token consumptions 9f1c0a4e-5b7d-4c1e-9a0b-2d3e4f5a6b7c'],
    load: () => import('./commands/node/join-token/consumptions.js'),
  }),
  command({
    name: 'node list',
    description: 'List nodes by name, in the projection your role receives',
    flags: NODE_LIST_FLAGS,
    examples: ['  $ otherix node list --status ready --architecture amd64', '  $ otherix node list --expiring-within 7d'],
    load: () => import('./commands/node/list.js'),
  }),
  command({
    name: 'node get',
    args: '<node-name>',
    description: 'Show one node by name (not by id), in the projection your role receives',
    flags: NODE_GET_FLAGS,
    examples: ['  $ otherix node get node-1 --show-ids'],
    load: () => import('./commands/node/get.js'),
  }),
  command({
    name: 'api-token create',
    description: 'Create an API token (admin); prints the token once',
    flags: API_TOKEN_CREATE_FLAGS,
    examples: ['  $ otherix api-token create --name ci-bot --role viewer --ttl 720h'],
    load: () => import('./commands/api-token/create.js'),
  }),
  command({
    name: 'api-token list',
    description: 'List API tokens (admin)',
    flags: PAGE_FLAGS,
    examples: ['  $ otherix api-token list'],
    load: () => import('./commands/api-token/list.js'),
  }),
  command({
    name: 'api-token revoke',
    args: '<id>',
    description: 'Revoke an API token by id (admin)',
    flags: OUTPUT_FLAGS,
    examples: ['  $ otherix api-token revoke 3b2a1c0d-4e5f-4a6b-8c7d-9e0f1a2b3c4d'],
    load: () => import('./commands/api-token/revoke.js'),
  }),
  command({
    name: 'ca rotation status',
    description: "Show the CA rotation's phase, since when, and how many nodes trust the new CA and hold a certificate of it (admin)",
    flags: OUTPUT_FLAGS,
    examples: ['  $ otherix ca rotation status'],
    load: () => import('./commands/ca/rotation/status.js'),
  }),
  command({
    name: 'ca rotation next',
    description: 'Move the CA rotation to its next phase: standby -> init -> update_clients -> update_servers -> standby (admin)',
    flags: CA_ROTATION_NEXT_FLAGS,
    examples: ['  $ otherix ca rotation next', '  $ otherix ca rotation next --force'],
    load: () => import('./commands/ca/rotation/next.js'),
  }),
  command({
    name: 'ca rotation rollback',
    description: 'Roll the CA rotation back to the old CA (from init, update_clients or update_servers) (admin)',
    flags: OUTPUT_FLAGS,
    examples: ['  $ otherix ca rotation rollback'],
    load: () => import('./commands/ca/rotation/rollback.js'),
  }),
  command({
    name: 'completion',
    args: '<shell>',
    argChoices: ['bash', 'zsh', 'fish'],
    description: 'Print the completion script for bash, zsh or fish (written from this command list)',
    flags: {},
    examples: [
      '  $ otherix completion bash > ~/.local/share/bash-completion/completions/otherix',
      '  $ source <(otherix completion bash)',
      '  $ otherix completion zsh > "${fpath[1]}/_otherix"',
      '  $ otherix completion fish > ~/.config/fish/completions/otherix.fish',
    ],
    load: () => import('./commands/completion.js'),
  }),
];

/** Words that start commands but are not commands themselves (`otherix node`). */
export const COMMAND_GROUPS = ['node', 'node join-token', 'api-token', 'ca', 'ca rotation'];
