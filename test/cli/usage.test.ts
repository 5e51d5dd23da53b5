// Exit codes and one-line errors: usage errors exit 2 before anything is sent, refusals exit 1
// with the API's code, and every command has --help with an example.
import test from 'ava';
import { createClient } from '@otherix/sdk';
import { startControlPlane } from '../harness/control-plane.js';
import type { ControlPlane } from '../harness/control-plane.js';
import { cliEnv, makeCliHome } from '../harness/cli.js';
import type { CliHome } from '../harness/cli.js';

let cp: ControlPlane;
let cli: CliHome;
let adminEnv: Record<string, string>;
let viewerEnv: Record<string, string>;

test.before(async () => {
  cp = await startControlPlane();
  cli = await makeCliHome();
  const admin = createClient({ cpUrl: cp.url, caPem: cp.caPem, token: cp.adminToken });
  const viewer = await admin.apiTokens.create({ name: 'usage-viewer', role: 'viewer' });
  await admin.close();
  adminEnv = cliEnv(cp, cp.adminToken);
  viewerEnv = { ...adminEnv, OTHERIX_TOKEN: viewer.token };
});

test.after.always(async () => {
  await cp?.close();
  await cli?.remove();
});

const COMMANDS = [
  'login',
  'whoami',
  'node join-token create',
  'node join-token list',
  'node join-token revoke',
  'node join-token consumptions',
  'node list',
  'node get',
  'api-token create',
  'api-token list',
  'api-token revoke',
  'completion',
];

test('every command has --help with its usage and an example, exit 0', async (t) => {
  for (const command of COMMANDS) {
    const run = await cli.run([...command.split(' '), '--help']);
    t.is(run.exitCode, 0, `${command}: ${run.stderr}`);
    t.regex(run.stdout, new RegExp(`\\$ otherix ${command}( <[a-z-]+>)? ?`), command);
    t.regex(run.stdout, new RegExp(`Examples:\\n  \\$ otherix ${command}(\\s|$)`), command);
  }
});

test('otherix --help lists every command, and a group word lists its own', async (t) => {
  const top = await cli.run(['--help']);
  t.is(top.exitCode, 0);
  for (const command of COMMANDS) t.true(top.stdout.includes(`  ${command}`), command);
  const group = await cli.run(['node', 'join-token', '--help']);
  t.is(group.exitCode, 0);
  t.true(group.stdout.includes('node join-token consumptions <token-id>'));
  t.false(group.stdout.includes('api-token'));
});

const USAGE_CASES: [string, string[], RegExp][] = [
  ['--output xml', ['node', 'join-token', 'list', '--output', 'xml'], /--output must be text or json, got "xml"/],
  ['--ttl soon', ['node', 'join-token', 'create', '--ttl', 'soon'], /--ttl must be a duration/],
  ['--max-uses -1', ['node', 'join-token', 'create', '--max-uses', '-1'], /--max-uses must not be negative, got "-1"/],
  ['--max-uses=-1', ['node', 'join-token', 'create', '--max-uses=-1'], /--max-uses must be a whole number from 0/],
  ['--max-uses 1.5', ['node', 'join-token', 'create', '--max-uses', '1.5'], /--max-uses must be a whole number/],
  ['--limit 0', ['node', 'join-token', 'list', '--limit', '0'], /--limit must be a whole number from 1 to 500/],
  ['an unknown flag', ['node', 'list', '--colour'], /Unknown option `--colour`/],
  ['a missing argument', ['node', 'get'], /missing required args/],
  ['an unknown command', ['node', 'frobnicate'], /unknown command `node frobnicate`/],
  ['--status bogus', ['node', 'list', '--status', 'bogus'], /--status must be one of pending, ready, not_ready, cordoned/],
  ['api-token create without --role', ['api-token', 'create', '--name', 'x'], /--role is required/],
  [
    'api-token create with a bad role',
    ['api-token', 'create', '--name', 'x', '--role', 'root'],
    /--role must be one of admin, operator, developer, viewer/,
  ],
  ['two token sources', ['whoami', '--token', 'a', '--token-path', '/nonexistent'], /--token.*--token-path/],
  // Checked here, not sent: the server's schema text would not say where ids come from.
  [
    'join-token revoke with a bad id',
    ['node', 'join-token', 'revoke', 'nope'],
    /^error: usage: "nope" is not a join token id: give the id \(a UUID\) as printed by `otherix node join-token list`\n$/,
  ],
  [
    'join-token consumptions with a bad id',
    ['node', 'join-token', 'consumptions', 'nope'],
    /^error: usage: "nope" is not a join token id: .*`otherix node join-token list`/,
  ],
  [
    'api-token revoke with a bad id',
    ['api-token', 'revoke', 'nope'],
    /^error: usage: "nope" is not an API token id: give the id \(a UUID\) as printed by `otherix api-token list`\n$/,
  ],
  [
    'an empty --node-name',
    ['node', 'join-token', 'create', '--node-name', ''],
    /^error: usage: --node-name is empty: give it a value, or leave the flag out\n$/,
  ],
  [
    'a --node-name no node could take',
    ['node', 'join-token', 'create', '--node-name', 'Node_1'],
    /^error: usage: --node-name "Node_1" is not a DNS label/,
  ],
  [
    'node get with an empty name',
    ['node', 'get', ''],
    /^error: usage: the node name is empty: give one as printed by `otherix node list`\n$/,
  ],
  ['an empty --cursor', ['node', 'list', '--cursor', ''], /--cursor is empty/],
  [
    '--cp-url given twice',
    ['whoami', '--cp-url', 'https://127.0.0.1:1', '--cp-url', 'https://127.0.0.1:2'],
    /^error: usage: --cp-url given twice: give it once\n$/,
  ],
  ['--show-ids given twice', ['node', 'list', '--show-ids', '--show-ids'], /^error: usage: --show-ids given twice: give it once\n$/],
  [
    '--node-name given twice',
    ['node', 'join-token', 'create', '--node-name', 'a', '--node-name=b'],
    /--node-name given twice: give it once/,
  ],
  // Flags may come before and between the command words; a flag's value is never a word.
  ['--output xml before the words', ['--output', 'xml', 'node', 'join-token', 'list'], /--output must be text or json, got "xml"/],
  ['--limit 0 between the words', ['node', '--limit', '0', 'join-token', 'list'], /--limit must be a whole number from 1 to 500/],
  ['an unknown command after a flag', ['--output', 'json', 'node', 'frobnicate'], /unknown command `node frobnicate`/],
  ['flags and no command word', ['--output', 'json'], /^error: usage: no command given \(for example `otherix node list`\)/],
];

for (const [name, args, message] of USAGE_CASES) {
  test(`usage error, exit 2: ${name}`, async (t) => {
    const run = await cli.run(args, adminEnv);
    t.is(run.exitCode, 2, run.stderr);
    t.is(run.stdout, '');
    t.regex(run.stderr, /^error: usage: [^\n]+\n$/);
    t.regex(run.stderr, message);
  });
}

test('a viewer minting a join token is exit 1 forbidden, one line, no stack trace', async (t) => {
  const run = await cli.run(['node', 'join-token', 'create'], viewerEnv);
  t.is(run.exitCode, 1);
  t.is(run.stdout, '');
  t.regex(run.stderr, /^error: forbidden: [^\n]+\n$/);
  t.false(run.stderr.includes('    at '));
  t.false(run.stderr.includes(viewerEnv['OTHERIX_TOKEN']));
});

test('a viewer listing API tokens is exit 1 forbidden', async (t) => {
  const run = await cli.run(['api-token', 'list'], viewerEnv);
  t.is(run.exitCode, 1);
  t.regex(run.stderr, /^error: forbidden: /);
});

test('no connection settings at all is a usage error that says how to configure', async (t) => {
  const run = await cli.run(['whoami']);
  t.is(run.exitCode, 2);
  t.regex(run.stderr, /^error: usage: .*otherix login/);
});
