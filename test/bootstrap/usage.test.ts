// Every flag is validated before any network: a bad value is a usage error (exit 2) that says
// what is wrong, and nothing is written. And otherix-agent's help shows examples as the CLI's does.
import test from 'ava';
import { bootstrapArgs, listTree, makeNodeHost, runAgent } from '../harness/agent.js';
import type { NodeHost } from '../harness/agent.js';

const hosts: NodeHost[] = [];
test.after.always(async () => {
  for (const host of hosts) await host.remove();
});

// No CP is needed: validation happens before the first connection. The port is never dialled.
const FINGERPRINT = `sha256:${'ab'.repeat(32)}`;
const TOKEN = `otx_join_${'A'.repeat(43)}`;

const cases: Array<{ title: string; override: Record<string, string>; extra?: string[]; expect: RegExp }> = [
  { title: 'an http:// CP URL', override: { '--cp-url': 'http://127.0.0.1:1' }, expect: /--cp-url: .*must use https:\/\// },
  { title: 'a CP URL with a path', override: { '--cp-url': 'https://127.0.0.1:1/api' }, expect: /--cp-url: .*without a path/ },
  {
    title: 'a node name that is not a DNS label',
    override: { '--node-name': 'Node_1' },
    expect: /--node-name "Node_1" is not a valid node name/,
  },
  {
    title: 'a UUID-shaped node name',
    override: { '--node-name': '6f1c3a52-8f0e-4c55-9a57-6d2f1b0c9e11' },
    expect: /is not a valid node name/,
  },
  { title: 'a reserved node name', override: { '--node-name': 'join' }, expect: /is not a valid node name/ },
  {
    title: 'an http advertised endpoint',
    override: { '--advertised-endpoint': 'http://10.0.0.1:9443' },
    expect: /--advertised-endpoint .* must be an https:\/\/ URL/,
  },
  {
    title: 'a bad migration host',
    override: { '--migration-host': 'not a host' },
    expect: /--migration-host "not a host" is not a host name or IP address/,
  },
  // The host the CP would sign gets the CP's own check before the token is spent (issue 12).
  {
    title: 'a wildcard advertised endpoint host',
    override: { '--advertised-endpoint': 'https://*.example.test:9443' },
    expect: /--advertised-endpoint https:\/\/\*\.example\.test:9443: its host "\*\.example\.test" is a wildcard/,
  },
  {
    title: 'an advertised endpoint host with an underscore',
    override: { '--advertised-endpoint': 'https://node_1.example.test:9443' },
    expect: /its host "node_1\.example\.test" holds "_", which a DNS name cannot/,
  },
  {
    title: 'a wildcard migration host',
    override: { '--migration-host': '*' },
    expect: /--migration-host "\*" is not a host name or IP address: it is a wildcard/,
  },
  // An address that names no one reachable host is refused before the token is spent too.
  {
    title: 'the unspecified address as the migration host',
    override: { '--migration-host': '0.0.0.0' },
    expect: /--migration-host "0\.0\.0\.0" cannot be this node's host: it is an unspecified address/,
  },
  {
    title: 'a multicast advertised endpoint host',
    override: { '--advertised-endpoint': 'https://[ff02::1]:9443' },
    expect: /--advertised-endpoint https:\/\/\[ff02::1\]:9443: its host "\[ff02::1\]" is a multicast address/,
  },
  {
    title: 'the broadcast address as the advertised endpoint host',
    override: { '--advertised-endpoint': 'https://255.255.255.255:9443' },
    expect: /its host "255\.255\.255\.255" is the broadcast address/,
  },
  {
    title: 'a link-local migration host',
    override: { '--migration-host': '169.254.1.1' },
    expect: /--migration-host "169\.254\.1\.1" cannot be this node's host: it is a link-local address/,
  },
  { title: 'port 0', override: { '--migration-port-range-start': '0' }, expect: /--migration-port-range-start 0 is not a port/ },
  { title: 'port 70000', override: { '--migration-port-range-end': '70000' }, expect: /--migration-port-range-end 70000 is not a port/ },
  {
    title: 'start above end',
    override: { '--migration-port-range-start': '50000', '--migration-port-range-end': '49999' },
    expect: /start <= end/,
  },
  {
    title: 'a malformed fingerprint',
    override: { '--ca-fingerprint': 'sha256:xyz' },
    expect: /--ca-fingerprint "sha256:xyz" is not a sha256 fingerprint/,
  },
  { title: 'a bad --listen', override: {}, extra: ['--listen', 'everywhere'], expect: /--listen "everywhere" must be HOST:PORT/ },
  { title: 'a bad duration', override: {}, extra: ['--heartbeat-interval', 'soon'], expect: /heartbeat_interval.*not a duration/ },
  {
    title: 'a zero request timeout',
    override: {},
    extra: ['--request-timeout', '0'],
    expect: /--request-timeout must be a positive duration/,
  },
  { title: 'an unknown flag', override: {}, extra: ['--tokn', 'x'], expect: /Unknown option `--tokn`/ },
  // Values are read word for word: cac would have turned '' into 0 and let it through.
  {
    title: 'an empty --node-name',
    override: { '--node-name': '' },
    expect: /^error: usage: --node-name is empty: give it a value, or leave the flag out\n$/,
  },
  { title: 'an empty --migration-host', override: { '--migration-host': '' }, expect: /--migration-host is empty/ },
  {
    title: 'an empty --listen= (cac itself refuses the = form)',
    override: {},
    extra: ['--listen='],
    expect: /^error: usage: option `--listen <addr>` value is missing/,
  },
  {
    title: '--cp-url given twice',
    override: {},
    extra: ['--cp-url', 'https://127.0.0.1:2'],
    expect: /^error: usage: --cp-url given twice: give it once\n$/,
  },
  {
    title: '--force given twice',
    override: {},
    extra: ['--force', '--force'],
    expect: /^error: usage: --force given twice: give it once\n$/,
  },
  {
    title: '--token-path given twice',
    override: {},
    extra: ['--token-path', '/a', '--token-path=/b'],
    expect: /^error: usage: --token-path given twice: give it once\n$/,
  },
];

function argsWith(h: NodeHost, override: Record<string, string>, extra: string[] = []): string[] {
  const base = bootstrapArgs({
    cpUrl: 'https://127.0.0.1:1',
    caFingerprint: FINGERPRINT,
    nodeName: 'usage-node',
    certDir: h.certDir,
    configPath: h.configPath,
  });
  const out = [...base];
  for (const [flag, value] of Object.entries(override)) {
    const index = out.indexOf(flag);
    if (index >= 0) out[index + 1] = value;
    else out.push(flag, value);
  }
  return [...out, ...extra, '--token-env', 'T'];
}

for (const entry of cases) {
  test(`usage error (exit 2): ${entry.title}`, async (t) => {
    const h = await makeNodeHost();
    hosts.push(h);
    const run = await runAgent(argsWith(h, entry.override, entry.extra), { env: { T: TOKEN } });
    t.is(run.exitCode, 2, run.stderr);
    t.true(run.stderr.startsWith('error: usage: '), run.stderr);
    t.regex(run.stderr, entry.expect);
    t.is(run.stderr.trim().split('\n').length, 1, 'one line, no stack trace');
    t.false(run.stderr.includes(TOKEN));
    t.deepEqual(await listTree(h.root), []);
  });
}

test('a token that is not shaped like a join token is a usage error that does not echo it', async (t) => {
  const h = await makeNodeHost();
  hosts.push(h);
  const apiToken = `otx_api_${'Z'.repeat(43)}`;
  const run = await runAgent(argsWith(h, {}), { env: { T: apiToken } });
  t.is(run.exitCode, 2);
  t.regex(run.stderr, /^error: usage: the join token does not have the shape of one/);
  t.false(run.stderr.includes('Z'.repeat(43)));
  t.deepEqual(await listTree(h.root), []);
});

test('a missing required flag names the flag and its environment variable', async (t) => {
  const h = await makeNodeHost();
  hosts.push(h);
  const args = argsWith(h, {}).filter((_, index, all) => all[index] !== '--migration-host' && all[index - 1] !== '--migration-host');
  const run = await runAgent(args, { env: { T: TOKEN } });
  t.is(run.exitCode, 2);
  t.regex(run.stderr, /^error: usage: [^\n]*--migration-host is required[^\n]*OTHERIX_BOOTSTRAP__MIGRATION_HOST[^\n]*\n$/);
});

test('an unknown command is a usage error', async (t) => {
  const run = await runAgent(['bootstrapp']);
  t.is(run.exitCode, 2);
  t.regex(run.stderr, /^error: usage: [^\n]*`bootstrapp`[^\n]*run `otherix-agent --help`[^\n]*\n$/);
});

test("otherix-agent --help and each command's --help list examples as the CLI does, using only flags the command has", async (t) => {
  const commands = ['bootstrap', 'serve', 'renew', 'version'];
  const top = await runAgent(['--help']);
  t.is(top.exitCode, 0, top.stderr);
  const overview = top.stdout.split('Examples:\n')[1] ?? '';
  for (const command of commands)
    t.regex(overview, new RegExp(`^  \\$ otherix-agent ${command}(\\s|$)`, 'm'), `the overview shows ${command}`);
  for (const command of commands) {
    const help = await runAgent([command, '--help']);
    t.is(help.exitCode, 0, help.stderr);
    t.regex(help.stdout, new RegExp(`\\nExamples:\\n  \\$ otherix-agent ${command}(\\s|$)`), command);
    const options = new Set([...help.stdout.matchAll(/^ {2}(?:-\w, )?(--[a-z-]+)/gm)].map((m) => m[1]));
    for (const example of help.stdout.split('Examples:\n')[1].replace(/\n+$/, '').split('\n')) {
      t.regex(example, new RegExp(`^  \\$ otherix-agent ${command}( |$)`));
      for (const flag of example.match(/--[a-z-]+/g) ?? [])
        t.true(options.has(flag), `${command}: ${flag} in "${example}" is one of its options`);
    }
  }
});
