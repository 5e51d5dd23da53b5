// @otherix/sdk/argv: what otherix and otherix-agent need around cac, tested on its own. Command
// words of several words, before or after flags; flags declared once and read word for word,
// typed; a negative number, a repeated flag and a value cac would turn into a number, each said
// as the usage error it is.
import test from 'ava';
import { flagSpec, readFlags, refuseNegativeValues, resolveCommandWords, valueFlags, verbatimFlagValue } from '@otherix/sdk/argv';
import { runAgent } from '../harness/agent.js';
import { runOtherix } from '../harness/cli.js';

const NAMES = ['node list', 'node get', 'node join-token create', 'whoami'];
const GROUPS = ['node', 'node join-token'];

test('command words: the longest command, wherever the flags are', (t) => {
  const values = new Set(['--output', '--limit']);
  t.deepEqual(resolveCommandWords(['node', 'join-token', 'create', '--ttl=1h'], NAMES, GROUPS, values), {
    kind: 'command',
    name: 'node join-token create',
    rest: ['--ttl=1h'],
  });
  t.deepEqual(resolveCommandWords(['--output', 'json', 'node', '--limit', '5', 'list'], NAMES, GROUPS, values), {
    kind: 'command',
    name: 'node list',
    rest: ['--output', 'json', '--limit', '5'],
  });
  t.deepEqual(resolveCommandWords(['node', 'get', 'n1'], NAMES, GROUPS, values), { kind: 'command', name: 'node get', rest: ['n1'] });
  t.deepEqual(resolveCommandWords(['node', 'join-token'], NAMES, GROUPS, values), { kind: 'group', name: 'node join-token', rest: [] });
  t.deepEqual(resolveCommandWords(['node', 'frobnicate'], NAMES, GROUPS, values), {
    kind: 'unknown',
    words: ['node', 'frobnicate'],
    rest: ['frobnicate'],
  });
  t.deepEqual(resolveCommandWords(['--output', 'json'], NAMES, GROUPS, values), { kind: 'none', rest: ['--output', 'json'] });
  // A flag's value is never a word, and nothing after `--` is one.
  t.deepEqual(resolveCommandWords(['--output', 'whoami', '--', 'whoami'], NAMES, GROUPS, values), {
    kind: 'none',
    rest: ['--output', 'whoami', '--', 'whoami'],
  });
});

test('verbatim values: as typed, once, never empty', (t) => {
  t.is(verbatimFlagValue(['--node-name', '007'], 'node-name'), '007');
  t.is(verbatimFlagValue(['--node-name=1e3'], 'node-name'), '1e3');
  t.is(verbatimFlagValue(['--', '--node-name', 'x'], 'node-name'), undefined);
  t.throws(() => verbatimFlagValue(['--node-name'], 'node-name'), { code: 'usage', message: '--node-name needs a value' });
  t.throws(() => verbatimFlagValue(['--node-name', ''], 'node-name'), {
    code: 'usage',
    message: '--node-name is empty: give it a value, or leave the flag out',
  });
  t.throws(() => verbatimFlagValue(['--node-name', 'a', '--node-name=b'], 'node-name'), {
    code: 'usage',
    message: '--node-name given twice: give it once',
  });
});

const FLAGS = {
  output: flagSpec({
    flag: '--output <format>',
    description: 'text or json',
    kind: { type: 'choice', choices: ['text', 'json'] },
    default: 'text',
  }),
  status: flagSpec({
    flag: '--status <status>',
    description: 'a status',
    kind: { type: 'choice', choices: ['pending', 'ready', 'cordoned'] },
  }),
  ttl: flagSpec({ flag: '--ttl <duration>', description: 'validity', kind: { type: 'seconds', atMost: 3600 }, default: '10m' }),
  maxUses: flagSpec({ flag: '--max-uses <n>', description: 'a cap', kind: { type: 'integer', min: 0, max: 100 }, default: '0' }),
  name: flagSpec({ flag: '--name <name>', description: 'a name', kind: { type: 'string' }, required: true }),
  nodeName: flagSpec({ flag: '--node-name <name>', description: 'a node', kind: { type: 'string' } }),
  showIds: flagSpec({ flag: '--show-ids', description: 'ids', kind: { type: 'switch' } }),
};

test('flags come back typed, with their defaults', (t) => {
  const values = readFlags(['--name', '007', '--ttl', '90s', '--max-uses=7', '--show-ids'], { showIds: true }, FLAGS);
  t.deepEqual(values, { output: 'text', status: undefined, ttl: 90, maxUses: 7, name: '007', nodeName: undefined, showIds: true });
  // The types follow the declarations: a default or required makes a value always there.
  const typed: {
    output: 'text' | 'json';
    status: 'pending' | 'ready' | 'cordoned' | undefined;
    ttl: number;
    maxUses: number;
    name: string;
    showIds: boolean;
  } = values;
  t.truthy(typed);
  t.is(readFlags(['--name', 'x', '--ttl', '5h'], {}, FLAGS).ttl, 3600, 'capped at atMost');
  t.is(readFlags(['--name', 'x', '--ttl', '100ms'], {}, FLAGS).ttl, 1, 'rounded up to a second');
  t.false(readFlags(['--name', 'x'], {}, FLAGS).showIds);
});

test('each wrong value is a usage error naming its flag', (t) => {
  const cases: [string[], Record<string, unknown>, string][] = [
    [['--name', 'x', '--output', 'xml'], {}, '--output must be text or json, got "xml"'],
    [['--name', 'x', '--status', 'gone'], {}, '--status must be one of pending, ready, cordoned, got "gone"'],
    [['--name', 'x', '--ttl', 'soon'], {}, '--ttl must be a duration such as 90s, 10m or 1h30m, got "soon"'],
    [['--name', 'x', '--ttl', '0s'], {}, '--ttl must be at least 1s, got "0s"'],
    [['--name', 'x', '--max-uses', '1.5'], {}, '--max-uses must be a whole number from 0 to 100, got "1.5"'],
    [['--name', 'x', '--max-uses=-1'], {}, '--max-uses must be a whole number from 0 to 100, got "-1"'],
    [[], {}, '--name is required'],
    [['--name', 'x', '--show-ids', '--show-ids'], { showIds: [true, true] }, '--show-ids given twice: give it once'],
    [['--name', 'x', '--show-ids=yes'], { showIds: 'yes' }, '--show-ids takes no value'],
  ];
  for (const [argv, parsed, message] of cases) t.throws(() => readFlags(argv, parsed, FLAGS), { code: 'usage', message }, argv.join(' '));
  const role = {
    role: flagSpec({
      flag: '--role <role>',
      description: 'a role',
      kind: { type: 'choice', choices: ['admin', 'viewer'] },
      required: true,
    }),
  };
  t.throws(() => readFlags([], {}, role), { code: 'usage', message: '--role is required: one of admin, viewer' });
});

test('a long duration counts days, comes back in milliseconds, and is capped at atMost', (t) => {
  const window = {
    within: flagSpec({ flag: '--within <duration>', description: 'a window', kind: { type: 'long-duration', atMost: 100 * 86_400_000 } }),
  };
  const within = (argv: string[]): number | undefined => readFlags(argv, {}, window).within;
  t.is(within(['--within', '7d']), 7 * 86_400_000);
  t.is(within(['--within=1d12h']), 36 * 3_600_000);
  t.is(within(['--within', '90m']), 90 * 60_000);
  t.is(within(['--within', '1000d']), 100 * 86_400_000, 'capped at atMost');
  t.is(within([]), undefined);
  for (const bad of ['soon', '7', '-1d', '1dd']) {
    t.throws(
      () => within([`--within=${bad}`]),
      { code: 'usage', message: `--within must be a duration such as 7d, 36h or 30m, got "${bad}"` },
      bad,
    );
  }
});

test('a negative number after a flag that takes a value is refused as one', (t) => {
  const specs = Object.values(FLAGS);
  t.deepEqual([...valueFlags(specs)].sort(), ['--max-uses', '--name', '--node-name', '--output', '--status', '--ttl']);
  t.throws(() => refuseNegativeValues(['--max-uses', '-1'], specs, ': see --help'), {
    code: 'usage',
    message: '--max-uses must not be negative, got "-1": see --help',
  });
  t.notThrows(() => refuseNegativeValues(['--show-ids', '-1'], specs));
  t.notThrows(() => refuseNegativeValues(['--max-uses=-1'], specs), 'the = form reaches the value check');
});

test('both binaries say a negative value is one, and that it is a usage error (exit 2)', async (t) => {
  const cli = await runOtherix(['node', 'join-token', 'create', '--max-uses', '-1'], {});
  t.is(cli.exitCode, 2);
  t.is(cli.stderr, 'error: usage: --max-uses must not be negative, got "-1": run `otherix node join-token create --help`\n');
  const agent = await runAgent(['bootstrap', '--token-env', 'T', '--migration-port-range-start', '-1']);
  t.is(agent.exitCode, 2);
  t.is(agent.stderr, 'error: usage: --migration-port-range-start must not be negative, got "-1": run `otherix-agent bootstrap --help`\n');
});
