// The seed's section 2, end to end: the real `otherix-agent bootstrap` against a real CP.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadAgentConfig } from '@otherix/sdk';
import { detectArchitecture } from '@otherix/sdk/internal';
import type { Node } from '@otherix/sdk';
import { clusterForNodes } from '../harness/cluster.js';
import { bootstrapArgs, bootstrapWithBoundToken, listTree, runAgent } from '../harness/agent.js';
import type { AgentRun, BootstrapFlags, NodeHost } from '../harness/agent.js';
import { repoPath } from '../harness/paths.js';

const cluster = clusterForNodes(test);
const host = (): Promise<NodeHost> => cluster.host();

/** A fresh host bootstrapped by the real binary as `nodeName`, with a token bound to it and `flags`. */
async function bootstrapNewHost(nodeName: string, flags: Partial<BootstrapFlags> = {}): Promise<{ h: NodeHost; run: AgentRun }> {
  const h = await host();
  const run = await bootstrapWithBoundToken(cluster.cp, cluster.admin, {
    nodeName,
    certDir: h.certDir,
    configPath: h.configPath,
    ...flags,
  });
  return { h, run };
}

const modeOf = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;

test('bootstrap joins the node and writes the seed files with their modes, even under umask 000', async (t) => {
  const h = await host();
  const minted = await cluster.admin.joinTokens.create({ node_name: 'flow-1', ttl_seconds: 600 });
  const tokenPath = join(h.root, 'join-token');
  await writeFile(tokenPath, `  ${minted.token}\n`, { mode: 0o600 });

  const run = await runAgent(
    [
      ...bootstrapArgs({
        cpUrl: cluster.cp.url,
        caFingerprint: cluster.cp.caFingerprint,
        nodeName: 'flow-1',
        certDir: h.certDir,
        configPath: h.configPath,
      }),
      '--token-path',
      tokenPath,
    ],
    { umask: 0o000 },
  );
  t.is(run.exitCode, 0, run.stderr);
  t.is(run.stderr, '', 'no warning for a 0600 token file');
  const serial = /^joined as flow-1 \(serial ([0-9a-f]+)\): wrote agent\.key, agent\.crt and ca\.crt to (\S+) and (\S+)$/m.exec(run.stdout);
  t.truthy(serial, run.stdout);
  t.is(serial?.[2], h.certDir);
  t.is(serial?.[3], h.configPath);
  t.true(run.stdout.includes(`start the agent with \`otherix-agent serve --config ${h.configPath}\``));
  t.false(run.stdout.includes(minted.token));

  t.is(await modeOf(join(h.certDir, 'agent.key')), 0o600);
  t.is(await modeOf(join(h.certDir, 'agent.crt')), 0o644);
  t.is(await modeOf(join(h.certDir, 'ca.crt')), 0o644);
  t.is(await modeOf(h.configPath), 0o644);

  const caPem = await readFile(join(h.certDir, 'ca.crt'), 'utf8');
  t.is(caPem.trim(), cluster.cp.caPem.trim(), 'ca.crt is the pinned cluster CA');
  const keyPem = await readFile(join(h.certDir, 'agent.key'), 'utf8');
  const key = createPrivateKey(keyPem);
  t.is(key.asymmetricKeyType, 'ec');
  t.is(key.asymmetricKeyDetails?.namedCurve, 'secp384r1', 'agent.key is P-384');
  const leaf = new X509Certificate(await readFile(join(h.certDir, 'agent.crt'), 'utf8'));
  t.true(leaf.checkPrivateKey(key), 'agent.crt holds our key');
  t.true((leaf.subjectAltName ?? '').includes('URI:spiffe://otherix/node/flow-1'));
  t.is(leaf.serialNumber.toLowerCase().replace(/^0+/, ''), serial![1].replace(/^0+/, ''));

  const verified = execFileSync('openssl', ['verify', '-CAfile', join(h.certDir, 'ca.crt'), join(h.certDir, 'agent.crt')], {
    encoding: 'utf8',
  });
  t.is(verified.trim(), `${join(h.certDir, 'agent.crt')}: OK`);

  const node = (await cluster.admin.nodes.get('flow-1')) as Node;
  t.is(node.status, 'pending');
  t.is(node.architecture, detectArchitecture());
  t.is(node.advertised_endpoint, 'https://127.0.0.1:9443');
  t.deepEqual(node.migration, { host: '127.0.0.1', port_range_start: 49152, port_range_end: 49251 });
  t.is(node.certificate.serial, serial![1]);
  const consumptions = await cluster.admin.joinTokens.consumptions(minted.id);
  t.deepEqual(
    consumptions.items.map((item) => item.node_id),
    [node.id],
  );

  const tree = await listTree(h.root);
  t.deepEqual(
    tree.filter((entry) => /\.tmp-|\.link-|\.\.data_tmp/.test(entry)),
    [],
    'no temp files are left behind',
  );
});

test('agent.yaml carries every value the flags set, in the SPEC layout, and loads back', async (t) => {
  const { h, run } = await bootstrapNewHost('flow-2', {
    advertisedEndpoint: 'https://127.0.0.2:19443',
    migrationHost: '127.0.0.2',
    extra: [
      '--listen',
      '127.0.0.2:19443',
      '--heartbeat-interval',
      '200ms',
      '--request-timeout',
      '1m30s',
      '--migration-port-range-start',
      '50000',
      '--migration-port-range-end',
      '50010',
    ],
  });
  t.is(run.exitCode, 0, run.stderr);
  const text = await readFile(h.configPath, 'utf8');
  const lines = text.split('\n');
  t.regex(
    lines[0],
    /^# Generated by otherix-agent bootstrap on \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\. Operator edits survive `bootstrap --force`\.$/,
  );
  for (const line of [
    'node_name: flow-2',
    `cp_url: ${cluster.cp.url}`,
    'listen: 127.0.0.2:19443',
    'advertised_endpoint: https://127.0.0.2:19443',
    'heartbeat_interval: 200ms',
    'request_timeout: 1m30s',
    'migration:',
    '  host: 127.0.0.2',
    '  port_range_start: 50000',
    '  port_range_end: 50010',
    'tls:',
    `  cert_dir: ${h.certDir}     # agent.key, agent.crt, ca.crt`,
    'logger:',
    '  level: info',
    'storage:',
  ]) {
    t.true(lines.includes(line), `agent.yaml has ${JSON.stringify(line)}`);
  }
  const config = loadAgentConfig({ path: h.configPath, env: {} });
  t.deepEqual(config, {
    node_name: 'flow-2',
    cp_url: cluster.cp.url,
    listen: '127.0.0.2:19443',
    advertised_endpoint: 'https://127.0.0.2:19443',
    heartbeat_interval_ms: 200,
    request_timeout_ms: 90_000,
    migration: { host: '127.0.0.2', port_range_start: 50000, port_range_end: 50010 },
    tls: { cert_dir: h.certDir },
    logger: { level: 'info' },
    storage: { state_dir: join(h.root, 'var', 'lib', 'otherix') },
    metrics_listen: '',
  });
  // serve's overrides: OTHERIX_<KEY> and OTHERIX_<SECTION>__<KEY>
  const overridden = loadAgentConfig({
    path: h.configPath,
    env: { OTHERIX_LISTEN: '127.0.0.2:29443', OTHERIX_LOGGER__LEVEL: 'debug' },
  });
  t.is(overridden.listen, '127.0.0.2:29443');
  t.is(overridden.logger.level, 'debug');
});

test('flag values are taken word for word: --node-name 007 joins as 007, --migration-host 1e3 stays 1e3', async (t) => {
  const { h, run } = await bootstrapNewHost('007', { migrationHost: '1e3' });
  t.is(run.exitCode, 0, run.stderr);
  t.regex(run.stdout, /^joined as 007 \(serial /);
  const node = (await cluster.admin.nodes.get('007')) as Node;
  t.is(node.name, '007');
  t.is(node.migration.host, '1e3');
  const config = loadAgentConfig({ path: h.configPath, env: {} });
  t.is(config.node_name, '007');
  t.is(config.migration.host, '1e3');
});

test('otherix-agent version prints the agent package version', async (t) => {
  const manifest = JSON.parse(await readFile(repoPath('agent/package.json'), 'utf8')) as { version: string };
  const run = await runAgent(['version']);
  t.is(run.exitCode, 0);
  t.is(run.stdout, `otherix-agent ${manifest.version}\n`);
});
