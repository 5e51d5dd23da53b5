// Every `otherix` command: its words, its flags (typed: @otherix/sdk/argv reads their values),
// help and example, and how to load its code. Only this table, cac and the SDK's leaf modules
// (argv, errors, terminal-text) are loaded for `--help`; a command's module (and with it the
// SDK's client, undici and x509) is imported when that command runs, to keep cold start short
// (SPEC §7).
import type { FlagSpecs } from '@otherix/sdk/argv';
import {
  API_TOKEN_CREATE_FLAGS,
  CA_ROTATION_NEXT_FLAGS,
  JOIN_TOKEN_CREATE_FLAGS,
  JOIN_TOKEN_LIST_FLAGS,
  NODE_GET_FLAGS,
  NODE_LIST_FLAGS,
  OUTPUT_FLAGS,
  PAGE_FLAGS,
  VERSION_FLAGS,
  WHOAMI_FLAGS,
} from './command-flags.js';
import type { CommandSpec } from './command-flags.js';

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
