// End to end with the real binaries (issue 16): otherix-server --node-cert-lifetime 1m, and
// otherix-agent serve beating every 200 ms. serve renews by itself at 2/3 of the lifetime (± 5%),
// at least twice here, while none of its heartbeats fails; after each renewal its HTTPS server
// answers the CP with the new certificate; once the CP has heard a heartbeat with the new serial
// the old certificate is refused. Both metrics listeners count the renewals (ok) by outcome, and the
// agent's shows the new certificate's end. The test waits for what the agent logs, never for a
// fixed time.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { createClient } from '@otherix/sdk';
import { CERTIFICATE_BACKDATE_MS } from '@otherix/sdk/pki';
import type { Node } from '@otherix/sdk';
import { api, spawnControlPlane } from '../harness/control-plane.js';
import { heartbeatBody } from '../harness/cluster.js';
import { serialOf } from './renewals.js';
import type { LogRecord } from '../harness/agent.js';
import { eventually, freePort } from '../harness/loopback.js';
import { sampleValue, scrape } from '../harness/prometheus-text.js';
import { bootstrapAndServe } from '../harness/served-node.js';

const isRenewal = (r: LogRecord): boolean => r.msg.startsWith('renewal: renewed the node certificate');
const isFailure = (r: LogRecord): boolean => /^(heartbeat failed|heartbeat still failing|renewal failed)/.test(r.msg);

/** The serial of the certificate the agent's server presents on a new connection, called as the CP. */
function servedSerial(port: number, caPem: string, client: { certPem: string; keyPem: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/v1/agent/healthz', ca: caPem, cert: client.certPem, key: client.keyPem, agent: false },
      (response) => {
        const serial = (response.socket as TLSSocket)
          .getPeerCertificate()
          .serialNumber.toLowerCase()
          .replace(/^0+(?=.)/, '');
        response.resume();
        response.on('end', () =>
          response.statusCode === 200 ? resolve(serial) : reject(new Error(`agent answered ${response.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('serve renews a 1-minute certificate twice without a failed heartbeat; its server presents each new one; the old one is refused once the new one is used', async (t) => {
  t.timeout(240_000);
  const cp = await spawnControlPlane({ args: ['--node-cert-lifetime', '1m', '--metrics-listen', '127.0.0.1:0'] });
  const admin = createClient({ cpUrl: cp.url, caPem: cp.caPem, token: cp.adminToken });
  t.teardown(async () => {
    await admin.close();
    await cp.stop();
  });
  t.regex(cp.output().stderr, /otherix-server: warning: --node-cert-lifetime 1m0s is under an hour: .*this is for testing/);
  const cpMetrics = (await eventually(
    async () => /otherix-server metrics on (http:\/\/\S+)/.exec(cp.output().stderr),
    (match) => match !== null,
  ))![1];
  const agentMetrics = `http://127.0.0.1:${await freePort()}/metrics`;

  const node = await bootstrapAndServe(cp, admin, 'renew-serve', {
    OTHERIX_LOGGER__LEVEL: 'debug',
    OTHERIX_METRICS_LISTEN: new URL(agentMetrics).host,
  });
  t.teardown(() => node.cleanup());
  const original = {
    certPem: readFileSync(join(node.certDir, 'agent.crt'), 'utf8'),
    keyPem: readFileSync(join(node.certDir, 'agent.key'), 'utf8'),
  };
  const originalSerial = serialOf(original.certPem);
  const cpClient = cp.clientCertificate;

  // The first plan: 2/3 of the minute from signing, ± 5% of it (40 s ± 3 s).
  const plan = await node.serve.waitForLog((r) => r.msg.startsWith('renewal: next renewal due at') && r['serial'] === originalSerial);
  const issuedAt = Date.parse(new Date(Date.parse(String(plan['not_after'])) - 60_000).toISOString());
  const dueIn = Date.parse(String(plan['due_at'])) - issuedAt;
  t.true(dueIn >= 37_000 - 1000 && dueIn <= 43_000 + 1000, `due ${dueIn} ms after signing`);
  t.is(plan['lifetime_ms'], 60_000, 'the lifetime counts from signing, not from notBefore (an hour earlier)');
  t.true(CERTIFICATE_BACKDATE_MS === 3_600_000);

  const first = await node.serve.waitForLog(isRenewal, 90_000);
  t.is(first['previous_serial'], originalSerial);
  const firstSerial = String(first['serial']);
  t.not(firstSerial, originalSerial);
  t.is(
    await eventually(
      () => servedSerial(node.port, cp.caPem, cpClient),
      (serial) => serial === firstSerial,
    ),
    firstSerial,
  );
  // The CP takes the new serial as the node's once a heartbeat came with it; the old one is refused from then on.
  await eventually(
    () => admin.nodes.get(node.name),
    (n) => (n as Node).certificate.serial === firstSerial,
  );
  const old = await api(cp, 'POST', '/v1/nodes/heartbeat', { cert: original, body: heartbeatBody() });
  t.is(old.status, 401, old.text);
  t.is(old.body.error.code, 'unauthenticated');
  t.is(old.body.error.details.certificate_status, 'renewed');
  t.is(serialOf(readFileSync(join(node.certDir, 'agent.crt'), 'utf8')), firstSerial, 'the cert dir holds the new generation');
  // The renewal, counted on both sides; the agent's gauge follows the certificate heartbeats use now.
  const firstEnd = Math.floor(Date.parse(String(first['not_after'])) / 1000);
  const agentSide = await eventually(
    () => scrape(agentMetrics),
    ({ samples }) => sampleValue(samples, 'otherix_agent_certificate_not_after_timestamp_seconds') === firstEnd,
  );
  t.is(sampleValue(agentSide.samples, 'otherix_agent_renewals_total', { outcome: 'ok' }), 1);
  t.deepEqual(
    agentSide.samples.filter((s) => s.name === 'otherix_agent_renewals_total' && s.labels['outcome'] !== 'ok'),
    [],
    'no renewal failed',
  );
  t.is(sampleValue((await scrape(cpMetrics)).samples, 'otherix_cp_renewals_total', { outcome: 'ok' }), 1);

  let renewals = 0;
  const second = await node.serve.waitForLog((r) => isRenewal(r) && ++renewals === 2, 90_000);
  t.is(second['previous_serial'], firstSerial);
  const secondSerial = String(second['serial']);
  t.is(
    await eventually(
      () => servedSerial(node.port, cp.caPem, cpClient),
      (serial) => serial === secondSerial,
    ),
    secondSerial,
  );
  const shown = (await eventually(
    () => admin.nodes.get(node.name),
    (n) => (n as Node).certificate.serial === secondSerial && n.status === 'ready',
  )) as Node;
  t.is(shown.status, 'ready');

  t.deepEqual(
    node.serve.records.filter(isFailure).map((r) => r.msg),
    [],
    'no heartbeat and no renewal failed',
  );
  t.is(node.serve.records.filter((r) => r.msg === 'state B: serving').length, 1, 'no restart');
  t.false(
    node.serve.records.some((r) => r.msg.startsWith('state A: waiting')),
    'no way back to State A',
  );
  t.true(node.serve.records.some((r) => r.msg.startsWith('heartbeat: cert material changed on disk')));
  // Debug-level logs of two renewals: serials and times, never a key or a CSR.
  const key = readFileSync(join(node.certDir, 'agent.key'), 'utf8');
  for (const secret of ['PRIVATE KEY', 'CERTIFICATE REQUEST', key.split('\n')[1], original.keyPem.split('\n')[1]])
    t.false(node.serve.stderr().includes(secret));
  t.deepEqual(await node.serve.stop(), { code: 0, signal: null });
});
