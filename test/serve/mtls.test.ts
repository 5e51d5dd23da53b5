// SPEC §5: the agent's server demands a client certificate from the cluster CA and serves only
// the control plane's identity. No certificate fails the TLS handshake; another node's
// certificate (same CA) gets 403 `forbidden`; the CP's client certificate is served.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkServerIdentityFor, nodeSpiffeId } from '@otherix/sdk/pki';
import { startControlPlane, type ControlPlane } from '../harness/control-plane.js';
import { callAgent } from '../harness/agent-https.js';
import { joinNode } from '../harness/cluster.js';
import { serveNodeOn, type ServedNode } from '../harness/served-node.js';
import { ALLOWED_OFFERS, REFUSED_OFFERS, protocolName, tryHandshake } from '../harness/tls-scan.js';
import { repoPath } from '../harness/paths.js';

let cp: ControlPlane;
let node: ServedNode;

test.before(async () => {
  cp = await startControlPlane();
  node = await serveNodeOn(cp, 'serve-mtls');
});

test.after.always(async () => {
  await node?.cleanup();
  await cp?.close();
});

test('a client without a certificate fails the TLS handshake', async (t) => {
  const error = await t.throwsAsync(callAgent({ port: node.port, path: '/v1/agent/healthz', caPem: cp.caPem }));
  t.is((error as NodeJS.ErrnoException).code, 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
});

test("another node's certificate from the same CA is refused with 403 forbidden", async (t) => {
  const other = await joinNode(cp, 'serve-mtls-intruder');
  for (const path of ['/v1/agent/info', '/v1/agent/healthz', '/v1/agent/nowhere']) {
    const result = await callAgent({ port: node.port, path, caPem: cp.caPem, client: other.cert });
    t.is(result.status, 403, path);
    t.is((result.body as { error: { code: string } }).error.code, 'forbidden', path);
  }
  const own = await callAgent({ port: node.port, path: '/v1/agent/info', caPem: cp.caPem, client: ownMaterial() });
  t.is(own.status, 403, "the node's own certificate is not the CP's either");
});

test("the control plane's client certificate is served: info, healthz, 404 elsewhere", async (t) => {
  const client = cp.clientCertificate;
  // The agent serves as its node identity, which is what the CP checks when it calls it.
  const info = await callAgent({
    port: node.port,
    path: '/v1/agent/info',
    caPem: cp.caPem,
    client,
    checkServerIdentity: checkServerIdentityFor(nodeSpiffeId(node.name)),
  });
  t.is(info.status, 200);
  const body = info.body as { node_name: string; state: string; version: string; uptime_seconds: number };
  t.is(body.node_name, 'serve-mtls');
  t.is(body.state, 'B');
  t.is(body.version, '0.1.0');
  t.true(body.uptime_seconds >= 0);
  t.deepEqual(Object.keys(body).sort(), ['node_name', 'state', 'uptime_seconds', 'version']);

  const health = await callAgent({ port: node.port, path: '/v1/agent/healthz', caPem: cp.caPem, client });
  t.deepEqual(health, { status: 200, body: { status: 'ok' } });

  const missing = await callAgent({ port: node.port, path: '/v1/agent/nowhere', caPem: cp.caPem, client });
  t.is(missing.status, 404);
  t.is((missing.body as { error: { code: string } }).error.code, 'not_found');

  const posted = await callAgent({ port: node.port, path: '/v1/agent/healthz', caPem: cp.caPem, client, method: 'POST' });
  t.is(posted.status, 405);
  t.is((posted.body as { error: { code: string } }).error.code, 'method_not_allowed');
});

test("every operation of agent-openapi.yaml answers the CP with its 200 schema's keys", async (t) => {
  const spec = JSON.parse(readFileSync(repoPath('sdk/src/generated/agent-openapi.json'), 'utf8')) as AgentSpec;
  const client = cp.clientCertificate;
  const operations = Object.entries(spec.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
  );
  t.deepEqual(operations.map((o) => `${o.method.toUpperCase()} ${o.path}`).sort(), ['GET /v1/agent/healthz', 'GET /v1/agent/info']);
  for (const { path, method, operation } of operations) {
    const ref = operation.responses['200']?.content['application/json'].schema.$ref ?? '';
    const schema = spec.components.schemas[ref.replace('#/components/schemas/', '')];
    const result = await callAgent({ port: node.port, path, caPem: cp.caPem, client, method: method.toUpperCase() });
    t.is(result.status, 200, path);
    t.deepEqual(Object.keys(result.body as object).sort(), [...(schema?.required ?? [])].sort(), path);
  }
});

interface AgentSpec {
  paths: Record<string, Record<string, { responses: Record<string, { content: Record<string, { schema: { $ref: string } }> }> }>>;
  components: { schemas: Record<string, { required?: string[] }> };
}

function ownMaterial(): { certPem: string; keyPem: string } {
  return { certPem: readFileSync(join(node.certDir, 'agent.crt'), 'utf8'), keyPem: readFileSync(join(node.certDir, 'agent.key'), 'utf8') };
}

// Issue 12: the agent's TLS is the CP's TLS (the SDK's TLS_SERVER_POLICY), checked the way
// sslscan would, with the CP's client certificate so only the suite or protocol can fail.
test("the agent's port negotiates each TLS 1.3 suite and each TLS 1.2 ECDHE AEAD suite of the policy", async (t) => {
  for (const offer of ALLOWED_OFFERS) {
    const result = await tryHandshake({ port: node.port, caPem: cp.caPem, client: cp.clientCertificate }, offer);
    t.true(result.accepted, `${offer.protocol} ${offer.suite}: ${result.output}`);
    t.is(result.negotiated, `${protocolName(offer.protocol)} ${offer.suite}`);
  }
});

test("the agent's port refuses CBC and CCM suites, TLS 1.1 and TLS 1.0", async (t) => {
  for (const offer of REFUSED_OFFERS) {
    const result = await tryHandshake({ port: node.port, caPem: cp.caPem, client: cp.clientCertificate }, offer);
    t.false(result.accepted, `${offer.protocol} ${offer.suite} was accepted: ${result.negotiated ?? ''}`);
  }
});
