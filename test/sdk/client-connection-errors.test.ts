// Connection failures are OtherixErrors with their own codes, naming the URL tried; the client
// trusts only the pinned CA and only a server carrying spiffe://otherix/control-plane.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { createClient, isOtherixError } from '@otherix/sdk';
import type { OtherixClient } from '@otherix/sdk';
import { startControlPlane } from '../harness/control-plane.js';
import type { ControlPlane } from '../harness/control-plane.js';
import { mintCa, startImpostor, startOwnCaImpostor } from '../harness/impostor-server.js';
import { closedPortUrl, startSilentServer } from '../harness/loopback.js';
import { joinNode } from '../harness/cluster.js';

let cp: ControlPlane;
const clients: OtherixClient[] = [];
const closers: Array<() => Promise<void>> = [];

function track(client: OtherixClient): OtherixClient {
  clients.push(client);
  return client;
}

test.before(async () => {
  cp = await startControlPlane();
});

test.after.always(async () => {
  for (const client of clients) await client.close();
  for (const close of closers) await close();
  await cp?.close();
});

test('a closed port is unreachable, and the message names the URL', async (t) => {
  const url = await closedPortUrl();
  const client = track(createClient({ cpUrl: url, caPem: cp.caPem, token: cp.adminToken }));
  const error = await t.throwsAsync(client.whoami());
  t.true(isOtherixError(error, 'unreachable'));
  t.true(error.message.includes(`${url}/v1/whoami`));
  t.false(error.message.includes(cp.adminToken));
});

test("a port on fetch's blocked-port list is unreachable, and the message blames the port, not the server", async (t) => {
  // fetch refuses these ports without dialling, so nothing needs to listen on 6000.
  const client = track(createClient({ cpUrl: 'https://127.0.0.1:6000', caPem: cp.caPem }));
  const error = await t.throwsAsync(client.ca.get());
  t.true(isOtherixError(error, 'unreachable'));
  t.is(
    error.message,
    "cannot reach the control plane at https://127.0.0.1:6000/v1/ca: port 6000 is on fetch's blocked-port list: serve the control plane on another port",
  );
});

test('a server that never answers times out after requestTimeoutMs', async (t) => {
  const silent = await startSilentServer();
  closers.push(silent.close);
  const client = track(createClient({ cpUrl: silent.url, caPem: cp.caPem, requestTimeoutMs: 300 }));
  const error = await t.throwsAsync(client.ca.get());
  t.true(isOtherixError(error, 'timeout'));
  t.true(error.message.includes(silent.url));
});

test('the real CP is refused when another CA is pinned (tls_failed)', async (t) => {
  const otherCa = mintCa('not the cluster CA');
  const client = track(createClient({ cpUrl: cp.url, caPem: otherCa.certPem, token: cp.adminToken }));
  const error = await t.throwsAsync(client.whoami());
  t.true(isOtherixError(error, 'tls_failed'));
  t.true(error.message.includes(cp.url));
});

test('a server with a cluster-CA certificate but without the control-plane identity is refused', async (t) => {
  // A node's own certificate is issued by the same CA: it must not be able to pose as the CP.
  const node = await joinNode(cp, 'conn-impostor');
  const impostor = await startImpostor({ serving: node.cert, caPemToServe: cp.caPem });
  closers.push(impostor.close);
  const client = track(createClient({ cpUrl: impostor.url, caPem: cp.caPem, token: cp.adminToken }));
  const error = await t.throwsAsync(client.whoami());
  t.true(isOtherixError(error, 'tls_failed'));
  t.true(error.message.includes('spiffe://otherix/control-plane'));
  t.is(impostor.requests.length, 0, 'no request (and no bearer token) reached the impostor');

  // The same server is accepted when the caller expects that identity, so the check is the URI SAN.
  const expectingNode = track(
    createClient({ cpUrl: impostor.url, caPem: cp.caPem, expectedServerIdentity: 'spiffe://otherix/node/conn-impostor' }),
  );
  t.is((await expectingNode.ca.get()).ca_pem, cp.caPem);
});

test('a server of a self-signed CA with the control-plane URI is refused too', async (t) => {
  const impostor = await startOwnCaImpostor('rogue');
  closers.push(impostor.close);
  const client = track(createClient({ cpUrl: impostor.url, caPem: cp.caPem, token: cp.adminToken }));
  const error = await t.throwsAsync(client.whoami());
  t.true(isOtherixError(error, 'tls_failed'));
  t.is(impostor.requests.length, 0);
});

test('an answer without an Otherix error body keeps its status, takes the matching code and says so', async (t) => {
  // The CP's own serving identity, behind which something else answers (a misrouted proxy).
  const proxy = await startImpostor({
    serving: {
      certPem: await readFile(join(cp.dataDir, 'server.crt'), 'utf8'),
      keyPem: await readFile(join(cp.dataDir, 'server.key'), 'utf8'),
    },
    caPemToServe: cp.caPem,
    plainAnswer: { status: 404, text: '<html>Not Found</html>' },
  });
  closers.push(proxy.close);
  const client = track(createClient({ cpUrl: proxy.url, caPem: cp.caPem, token: cp.adminToken }));
  const error = await t.throwsAsync(client.nodes.get('x'));
  t.true(isOtherixError(error, 'not_found'));
  t.is((error as { status?: number }).status, 404);
  t.regex(error.message, /unexpected HTTP 404 from .*\/v1\/nodes\/x without an Otherix error body/);
});

test('a non-https or path-carrying cpUrl is a usage error before any connection', (t) => {
  for (const cpUrl of ['http://127.0.0.1:8443', 'https://127.0.0.1:8443/v1', 'not a url']) {
    const error = t.throws(() => createClient({ cpUrl, caPem: cp.caPem }));
    t.true(isOtherixError(error, 'usage'), cpUrl);
  }
});
