// What a command receives (CommandInput) and every command's flags, typed: @otherix/sdk/argv
// reads their values. The command table (command-table.ts) lists the commands and loads them;
// the commands import only this module, so nothing imports back into the table.
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

export interface CommandModule<F extends FlagSpecs> {
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
