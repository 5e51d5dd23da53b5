// Where the join token comes from: exactly one of --token / --token-path / --token-env, else
// OTHERIX_BOOTSTRAP__TOKEN; every flag also settable as OTHERIX_BOOTSTRAP__<FLAG>.
import test from 'ava';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clusterForNodes } from '../harness/cluster.js';
import { bootstrapArgs, listTree, runAgent } from '../harness/agent.js';
import type { NodeHost } from '../harness/agent.js';

const cluster = clusterForNodes(test);
const host = (): Promise<NodeHost> => cluster.host();

async function mint(nodeName: string): Promise<string> {
  return (await cluster.admin.joinTokens.create({ node_name: nodeName, ttl_seconds: 600 })).token;
}

function args(h: NodeHost, nodeName: string, caFingerprint = cluster.cp.caFingerprint): string[] {
  return bootstrapArgs({ cpUrl: cluster.cp.url, caFingerprint, nodeName, certDir: h.certDir, configPath: h.configPath });
}

test('--token works and warns that the process list shows it, without echoing it', async (t) => {
  const h = await host();
  const token = await mint('src-literal');
  const run = await runAgent([...args(h, 'src-literal'), '--token', token]);
  t.is(run.exitCode, 0, run.stderr);
  t.regex(run.stderr, /^warning: --token puts the join token in the process list.*prefer --token-path FILE or --token-env NAME$/m);
  t.false(run.stderr.includes(token));
  t.false(run.stdout.includes(token));
});

test('--token-path reads a whitespace-padded file and warns when others can read it', async (t) => {
  const h = await host();
  const token = await mint('src-path');
  const tokenPath = join(h.root, 'token');
  await writeFile(tokenPath, `\n\t${token}  \n`, { mode: 0o644 });
  const run = await runAgent([...args(h, 'src-path'), '--token-path', tokenPath], { umask: 0o022 });
  t.is(run.exitCode, 0, run.stderr);
  t.is(run.stderr.trim(), `warning: the token file ${tokenPath} is readable by group or others (mode 0644): chmod 600 it`);
});

test('--token-env reads the named variable; a bare-hex pin is accepted', async (t) => {
  const h = await host();
  const token = await mint('src-env');
  const bareHex = cluster.cp.caFingerprint.slice('sha256:'.length);
  const run = await runAgent([...args(h, 'src-env', bareHex), '--token-env', 'MY_JOIN_TOKEN'], {
    env: { MY_JOIN_TOKEN: token },
  });
  t.is(run.exitCode, 0, run.stderr);
  t.is(run.stderr, '');
  t.regex(run.stdout, /^joined as src-env /);
});

test('the env-only path: OTHERIX_BOOTSTRAP__TOKEN + OTHERIX_BOOTSTRAP__CA_FINGERPRINT and friends, no flags', async (t) => {
  const h = await host();
  const token = await mint('src-env-only');
  const run = await runAgent(['bootstrap'], {
    env: {
      OTHERIX_BOOTSTRAP__TOKEN: token,
      OTHERIX_BOOTSTRAP__CA_FINGERPRINT: cluster.cp.caFingerprint,
      OTHERIX_BOOTSTRAP__CP_URL: cluster.cp.url,
      OTHERIX_BOOTSTRAP__NODE_NAME: 'src-env-only',
      OTHERIX_BOOTSTRAP__ADVERTISED_ENDPOINT: 'https://127.0.0.1:9443',
      OTHERIX_BOOTSTRAP__MIGRATION_HOST: '127.0.0.1',
      OTHERIX_BOOTSTRAP__MIGRATION_PORT_RANGE_START: '50100',
      OTHERIX_BOOTSTRAP__MIGRATION_PORT_RANGE_END: '50199',
      OTHERIX_BOOTSTRAP__HEARTBEAT_INTERVAL: '5s',
      OTHERIX_BOOTSTRAP__CERT_DIR: h.certDir,
      OTHERIX_BOOTSTRAP__CONFIG_PATH: h.configPath,
    },
  });
  t.is(run.exitCode, 0, run.stderr);
  t.is(run.stderr, '', 'a token from the environment draws no warning');
  t.regex(run.stdout, /^joined as src-env-only /);
  const node = await cluster.admin.nodes.get('src-env-only');
  t.is(node.name, 'src-env-only');
  t.true((await listTree(h.root)).includes('etc/otherix/agent.yaml'));
});

test('a flag beats its OTHERIX_BOOTSTRAP__ variable', async (t) => {
  const h = await host();
  const token = await mint('src-flag-wins');
  const run = await runAgent([...args(h, 'src-flag-wins'), '--token-env', 'T'], {
    env: { T: token, OTHERIX_BOOTSTRAP__NODE_NAME: 'some-other-name', OTHERIX_BOOTSTRAP__TOKEN: 'otx_join_ignored' },
  });
  t.is(run.exitCode, 0, run.stderr);
  t.regex(run.stdout, /^joined as src-flag-wins /);
});

test('two token sources are a usage error naming both; nothing is written or consumed', async (t) => {
  const h = await host();
  const minted = await cluster.admin.joinTokens.create({ node_name: 'src-two', ttl_seconds: 600 });
  const tokenPath = join(h.root, 'token');
  await writeFile(tokenPath, minted.token, { mode: 0o600 });
  const run = await runAgent([...args(h, 'src-two'), '--token-path', tokenPath, '--token-env', 'T'], { env: { T: minted.token } });
  t.is(run.exitCode, 2);
  t.regex(run.stderr, /^error: usage: [^\n]*--token-path[^\n]*--token-env[^\n]*give exactly one token source\n$/);
  t.deepEqual(await listTree(h.root), ['token']);
  const listed = (await cluster.admin.joinTokens.list()).items.find((item) => item.id === minted.id);
  t.is(listed?.consumed, 0);
});

test('no token source at all is a usage error that says where a token can come from', async (t) => {
  const h = await host();
  const run = await runAgent(args(h, 'src-none'));
  t.is(run.exitCode, 2);
  t.regex(run.stderr.trim(), /^error: usage: no join token given: .*--token-path.*--token-env.*OTHERIX_BOOTSTRAP__TOKEN$/);
  t.deepEqual(await listTree(h.root), []);
});

// A token file is read up to a few KiB, never to its end: /dev/zero (or a log file given by
// mistake) is refused at once instead of filling the memory.
test('a --token-path that never ends (/dev/zero) is a usage error; nothing is written', async (t) => {
  const h = await host();
  const run = await runAgent([...args(h, 'src-endless'), '--token-path', '/dev/zero']);
  t.is(run.exitCode, 2, run.stderr);
  t.is(
    run.stderr.trim(),
    'error: usage: --token-path /dev/zero: the file holds more than 4096 bytes, and a token file holds one token (one line of about 52 characters): check the path',
  );
  t.deepEqual(await listTree(h.root), []);
});
