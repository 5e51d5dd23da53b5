// bootstrapNode() and its helpers as a program calls them (automation without the binary).
import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrapNode, createClient, isOtherixError, loadAgentConfig } from '@otherix/sdk';
import { renderAgentConfig, resolveBootstrapInvocation } from '@otherix/sdk/internal';
import type { OtherixClient } from '@otherix/sdk';
import { startControlPlane } from '../harness/control-plane.js';
import type { ControlPlane } from '../harness/control-plane.js';

let cp: ControlPlane;
let admin: OtherixClient;
let root: string;

test.before(async () => {
  cp = await startControlPlane();
  admin = createClient({ cpUrl: cp.url, caPem: cp.caPem, token: cp.adminToken });
  root = await mkdtemp(join(tmpdir(), 'otherix-bootstrap-sdk-'));
});

test.after.always(async () => {
  await admin?.close();
  await cp?.close();
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

function optionsFor(name: string, token: string) {
  return {
    token,
    caFingerprint: cp.caFingerprint,
    cpUrl: cp.url,
    nodeName: name,
    advertisedEndpoint: 'https://127.0.0.1:9443',
    migrationHost: '127.0.0.1',
    certDir: join(root, name, 'certs'),
    configPath: join(root, name, 'agent.yaml'),
    agentVersion: '9.9.9-test',
  };
}

test('bootstrapNode joins, then reports already_bootstrapped without redeeming', async (t) => {
  const first = await admin.joinTokens.create({ node_name: 'api-1', ttl_seconds: 600 });
  const outcome = await bootstrapNode(optionsFor('api-1', first.token));
  if (outcome.kind !== 'joined') return t.fail(outcome.kind);
  t.is(outcome.node.name, 'api-1');
  t.is(outcome.node.agent_version, '9.9.9-test');
  t.is(outcome.serial, outcome.node.certificate.serial);
  t.true(outcome.configWritten);

  const second = await admin.joinTokens.create({ node_name: 'api-1', ttl_seconds: 600 });
  const again = await bootstrapNode(optionsFor('api-1', second.token));
  t.deepEqual(again, {
    kind: 'already_bootstrapped',
    certDir: join(root, 'api-1', 'certs'),
    configPath: join(root, 'api-1', 'agent.yaml'),
    configWritten: false,
  });
  const listed = (await admin.joinTokens.list()).items.find((item) => item.id === second.id);
  t.is(listed?.consumed, 0);
});

test('a refused join rejects with the API code and reason, and the next step in the message', async (t) => {
  const minted = await admin.joinTokens.create({ node_name: 'api-bound', ttl_seconds: 600 });
  const error = await t.throwsAsync(bootstrapNode(optionsFor('api-other', minted.token)));
  t.true(isOtherixError(error, 'token_rejected'));
  t.is((error as { status?: number }).status, 401);
  t.is((error as { details?: Record<string, unknown> }).details?.['reason'], 'node_name_mismatch');
  t.regex(error.message, /^join refused: .*--node-name api-bound/);
});

test('options are validated before any connection (usage)', async (t) => {
  const error = await t.throwsAsync(
    bootstrapNode({
      ...optionsFor('api-usage', 'otx_join_x'),
      cpUrl: 'https://127.0.0.1:1',
      migrationPortRangeStart: 60000,
      migrationPortRangeEnd: 50000,
    }),
  );
  t.true(isOtherixError(error, 'usage'));
});

test('resolveBootstrapInvocation layers flags over OTHERIX_BOOTSTRAP__* over defaults', (t) => {
  const invocation = resolveBootstrapInvocation({
    flags: { nodeName: 'from-flag', heartbeatInterval: '2s', tokenEnv: 'JT' },
    env: {
      JT: ' otx_join_from_env_var ',
      OTHERIX_BOOTSTRAP__NODE_NAME: 'from-env',
      OTHERIX_BOOTSTRAP__CP_URL: 'https://cp.example:8443',
      OTHERIX_BOOTSTRAP__FORCE: 'true',
      OTHERIX_BOOTSTRAP__REQUEST_TIMEOUT: '45s',
    },
  });
  t.is(invocation.options.token, 'otx_join_from_env_var');
  t.is(invocation.tokenSource, '--token-env JT');
  t.deepEqual(invocation.warnings, []);
  t.is(invocation.options.nodeName, 'from-flag');
  t.is(invocation.options.cpUrl, 'https://cp.example:8443');
  t.is(invocation.options.heartbeatIntervalMs, 2000);
  t.is(invocation.options.requestTimeoutMs, 45_000);
  t.true(invocation.options.force);
  t.is(invocation.options.migrationPortRangeStart, 49152);
  t.is(invocation.options.migrationPortRangeEnd, 49251);
  t.is(invocation.options.certDir, '/var/lib/otherix/certs');
  t.is(invocation.options.configPath, '/etc/otherix/agent.yaml');
  t.is(invocation.options.listen, '0.0.0.0:9443');
});

test('renderAgentConfig quotes what YAML would misread, and loadAgentConfig reads it back', async (t) => {
  const path = join(root, 'odd.yaml');
  const certDir = '/srv/otherix: certs #1';
  await writeFile(
    path,
    renderAgentConfig({
      node_name: 'odd',
      cp_url: 'https://cp.example:8443',
      listen: '[::]:9443',
      advertised_endpoint: 'https://[fd00::1]:9443',
      heartbeat_interval_ms: 30_000,
      request_timeout_ms: 30_000,
      migration: { host: 'fd00::1', port_range_start: 49152, port_range_end: 49251 },
      tls: { cert_dir: certDir },
    }),
  );
  const config = loadAgentConfig({ path, env: {} });
  t.is(config.tls.cert_dir, certDir);
  t.is(config.listen, '[::]:9443');
  t.is(config.migration.host, 'fd00::1');
  t.is(config.storage.state_dir, '/srv');
  t.is(config.heartbeat_interval_ms, 30_000);
});
