// The agent reads its cert material for every heartbeat: `bootstrap --force` under a running
// serve (re-issued certificate; the CP stops accepting the old one) needs no restart. The next
// heartbeat uses a new connection with the new certificate, and the agent's server presents it.
import test from 'ava';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import type { Node } from '@otherix/sdk';
import { bootstrapWithBoundToken } from '../harness/agent.js';
import { nodeReaches, servedNodeOnOwnCp } from '../harness/served-node.js';
import { eventually } from '../harness/loopback.js';

test('bootstrap --force while serving: heartbeats switch to the new certificate without a restart', async (t) => {
  const { cp, admin, node } = await servedNodeOnOwnCp(t, 'serve-reissue', { OTHERIX_LOGGER__LEVEL: 'debug' });
  const before = await nodeReaches(admin, node.name, 'ready');

  const reissue = await bootstrapWithBoundToken({ url: node.cpUrl, caFingerprint: node.caFingerprint }, admin, {
    nodeName: node.name,
    certDir: node.certDir,
    configPath: node.configPath,
    advertisedEndpoint: `https://127.0.0.1:${node.port}`,
    extra: ['--force'],
  });
  t.is(reissue.exitCode, 0, reissue.stderr);
  const newSerial = new X509Certificate(readFileSync(join(node.certDir, 'agent.crt'), 'utf8')).serialNumber
    .toLowerCase()
    .replace(/^0+/, ''); // the API's form: no leading zeros
  t.not(newSerial, before.certificate.serial);

  const changed = await node.serve.waitForLog((r) => r.msg.startsWith('heartbeat: cert material changed'));
  // A heartbeat accepted after the switch: the CP accepts only the current serial.
  const switchedAt = Date.parse(changed.time);
  await node.serve.waitForLog((r) => r.msg.startsWith('heartbeat: accepted') && Date.parse(r.time) > switchedAt);
  // On a 200 ms cadence the CP says not_ready after 600 ms of silence, which a loaded machine can
  // exceed between two heartbeats (or between a heartbeat and this read): read until the CP shows a
  // heartbeat it recorded after the switch, under the new serial, with the node ready.
  const after = (await eventually(
    () => admin.nodes.get(node.name),
    (n) =>
      (n as Node).certificate.serial === newSerial &&
      n.status === 'ready' &&
      n.last_heartbeat_at !== null &&
      Date.parse(n.last_heartbeat_at) >= switchedAt,
  )) as Node;
  t.is(after.certificate.serial, newSerial);
  t.is(after.status, 'ready');
  t.false(node.serve.records.some((r) => r.msg.startsWith('state A: waiting')));

  // The agent's server presents the re-issued certificate on new connections.
  t.is(await servedSerial(node.port, cp.caPem, cp.clientCertificate), newSerial);
  t.deepEqual(await node.serve.stop(), { code: 0, signal: null });
});

function servedSerial(port: number, caPem: string, client: { certPem: string; keyPem: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/v1/agent/healthz', ca: caPem, cert: client.certPem, key: client.keyPem, agent: false },
      (response) => {
        const serial = (response.socket as TLSSocket).getPeerCertificate().serialNumber.toLowerCase().replace(/^0+/, '');
        response.resume();
        response.on('end', () => resolve(serial));
      },
    );
    req.on('error', reject);
    req.end();
  });
}
