// Connections that never authenticate cannot exhaust the CP (issue 12 item 2). With short
// timeouts injected into buildApp: a raw TCP connection that never starts TLS, a TLS
// connection that never sends a request and a request that never finishes are closed, while a
// real agent beating more slowly than the CP's keep-alive goes on beating; beyond the
// connection cap new connections are refused while the open ones go on working. The documented
// defaults are checked apart (no test waits for them). Keep-alive is only for callers whose
// credential was accepted: a client certificate that merely chains to the cluster CA (a deleted
// or replaced node's) earns nothing.
import test from 'ava';
import { once } from 'node:events';
import { connect as connectTcp } from 'node:net';
import type { Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { Client } from 'undici';
import { DEFAULT_LISTENER_LIMITS, RESERVED_FILE_DESCRIPTORS, serverTimeoutOptions } from '@otherix/server';
import { api, spawnControlPlane, startControlPlane } from '../harness/control-plane.js';
import type { ControlPlane } from '../harness/control-plane.js';
import { acceptedBeats, beatsGoOn, servedNodeOnOwnCp } from '../harness/served-node.js';
import { heartbeat, heartbeatBody, joinNode } from '../harness/cluster.js';
import { eventually } from '../harness/loopback.js';

const portOf = (cp: { url: string }): number => Number(new URL(cp.url).port);

/** Resolves when the socket is closed, with how long it lived and what the CP said on it. */
function closed(socket: Socket): Promise<{ livedMs: number; received: string }> {
  const opened = Date.now();
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  return once(socket, 'close').then(() => ({ livedMs: Date.now() - opened, received }));
}

function tlsTo(cp: ControlPlane): Promise<Socket> {
  const socket = connectTls({ host: '127.0.0.1', port: portOf(cp), ca: cp.caPem, checkServerIdentity: () => undefined });
  return once(socket, 'secureConnect').then(() => socket);
}

test('the documented defaults: handshake 10 s, headers 10 s, request 30 s, keep-alive 65 s, 10,000 connections, 100 unauthenticated per source', async (t) => {
  t.deepEqual(DEFAULT_LISTENER_LIMITS, {
    handshakeTimeoutMs: 10_000,
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 30_000,
    keepAliveTimeoutMs: 65_000,
    maxConnections: 10_000,
    maxUnauthenticatedPerSource: 100,
  });
  t.like(serverTimeoutOptions(DEFAULT_LISTENER_LIMITS), { handshakeTimeout: 10_000, connectionsCheckingInterval: 1_000 });
  const cp = await startControlPlane();
  try {
    // What Node's server really runs with.
    const server = cp.app.server;
    t.is(server.headersTimeout, 10_000);
    t.is(server.requestTimeout, 30_000);
    t.is(server.keepAliveTimeout, 65_000);
    t.is(server.maxConnections, 10_000);
    // Keep-alive is refused to a caller that proved no credential, and announced to one that did
    // (in this order: a connection that earned it keeps it for answers that refuse nothing).
    for (const [method, path] of [
      ['GET', '/healthz'],
      ['GET', '/v1/ca'],
      ['GET', '/v1/whoami'],
      ['GET', '/v1/nope'],
    ] as const) {
      t.is((await api(cp, method, path)).headers['connection'], 'close', `${method} ${path} without a credential`);
    }
    t.is((await api(cp, 'GET', '/v1/whoami', { token: `otx_api_${'x'.repeat(43)}` })).headers['connection'], 'close', 'an unknown token');
    const whoami = await api(cp, 'GET', '/v1/whoami', { token: cp.adminToken });
    t.is(whoami.headers['connection'], 'keep-alive');
    t.is(whoami.headers['keep-alive'], 'timeout=65');
    // A client certificate that chains to the cluster CA is no credential where none is checked.
    t.is((await api(cp, 'GET', '/healthz', { cert: cp.clientCertificate })).headers['connection'], 'close');
  } finally {
    await cp.close();
  }
});

test("keep-alive is earned by an accepted credential: a deleted or replaced node's certificate, refused, gets Connection: close", async (t) => {
  const cp = await startControlPlane();
  t.teardown(() => cp.close());
  const connectionOf = (response: { headers: Record<string, unknown> }) => response.headers['connection'];

  // A current node whose heartbeat is accepted keeps its connection.
  const current = await joinNode(cp, 'ka-current');
  const accepted = await heartbeat(cp, current.cert);
  t.is(accepted.status, 200, accepted.text);
  t.is(connectionOf(accepted), 'keep-alive');
  t.is(accepted.headers['keep-alive'], 'timeout=65');
  // Its request refused (a body the CP does not take): the connection is not kept.
  const badBody = await heartbeat(cp, current.cert, { ...heartbeatBody(), vm_count: -1 });
  t.is(badBody.status, 400, badBody.text);
  t.is(connectionOf(badBody), 'close');

  // One connection that earned keep-alive keeps it on answers that refuse nothing (/healthz);
  // a fresh connection's /healthz, with the same certificate, has earned nothing yet.
  const one = new Client(cp.url, {
    connect: { ca: cp.caPem, cert: current.cert.certPem, key: current.cert.keyPem, checkServerIdentity: () => undefined },
  });
  t.teardown(() => one.destroy());
  let connects = 0;
  one.on('connect', () => (connects += 1));
  const onOne = async (method: 'GET' | 'POST', path: string): Promise<unknown> => {
    const response = await one.request({
      method,
      path,
      ...(method === 'POST' ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(heartbeatBody()) } : {}),
    });
    await response.body.dump();
    return response.headers['connection'];
  };
  t.is(await onOne('GET', '/healthz'), 'close');
  t.is(await onOne('POST', '/v1/nodes/heartbeat'), 'keep-alive');
  t.is(await onOne('GET', '/healthz'), 'keep-alive');
  t.is(await onOne('POST', '/v1/nodes/heartbeat'), 'keep-alive');
  t.is(connects, 2, 'one connection for /healthz alone, then one for the rest');

  // A deleted node's certificate still chains to the CA: refused, and closed.
  const deleted = await joinNode(cp, 'ka-deleted');
  t.is(connectionOf(await heartbeat(cp, deleted.cert)), 'keep-alive');
  t.is((await api(cp, 'DELETE', `/v1/nodes/${deleted.id}`, { token: cp.adminToken })).status, 204);
  const afterDelete = await heartbeat(cp, deleted.cert);
  t.is(afterDelete.status, 401, afterDelete.text);
  t.is(afterDelete.body.error.details.certificate_status, 'revoked');
  t.is(connectionOf(afterDelete), 'close');
  t.is(connectionOf(await api(cp, 'GET', '/healthz', { cert: deleted.cert })), 'close', 'nor on a public route');

  // A certificate replaced by a bound re-join: refused, and closed; the new one keeps its connection.
  const first = await joinNode(cp, 'ka-replaced');
  const second = await joinNode(cp, 'ka-replaced');
  const replaced = await heartbeat(cp, first.cert);
  t.is(replaced.status, 401, replaced.text);
  t.is(replaced.body.error.details.certificate_status, 'replaced');
  t.is(connectionOf(replaced), 'close');
  t.is(connectionOf(await heartbeat(cp, second.cert)), 'keep-alive');

  // The CP's own client identity is no node: 403, closed.
  const notANode = await heartbeat(cp, cp.clientCertificate);
  t.is(notANode.status, 403);
  t.is(connectionOf(notANode), 'close');
});

test('silent connections are closed within the timeouts while a real agent beating slower than the keep-alive goes on', async (t) => {
  // Generous for a loaded machine (a handshake can take a while), short enough to wait for.
  const limits = { handshakeTimeoutMs: 3_000, headersTimeoutMs: 3_000, requestTimeoutMs: 6_000, keepAliveTimeoutMs: 1_000 };
  // Beats every ~2 s, the CP keeps an idle connection 1 s: every beat needs a new connection.
  const env = { OTHERIX_HEARTBEAT_INTERVAL: '2s', OTHERIX_LOGGER__LEVEL: 'debug' };
  const { cp, admin, node } = await servedNodeOnOwnCp(t, 'slow-beater', env, { listener: limits });
  await node.serve.waitForLog((r) => r.msg === 'heartbeat: first heartbeat accepted');

  const raw = [0, 1, 2].map(() => closed(connectTcp(portOf(cp), '127.0.0.1')));
  const silentTls = closed(await tlsTo(cp));
  const partialHeaders = await tlsTo(cp);
  partialHeaders.write('GET /healthz HTTP/1.1\r\nHost: cp\r\n');
  const partial = closed(partialHeaders);
  const slowBody = await tlsTo(cp);
  slowBody.write('POST /v1/nodes/join HTTP/1.1\r\nHost: cp\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"tok');
  const slow = closed(slowBody);
  const beatsBefore = acceptedBeats(node);

  for (const outcome of await Promise.all(raw)) {
    t.true(outcome.livedMs >= limits.handshakeTimeoutMs - 50, `raw TCP closed after ${outcome.livedMs} ms`);
    t.is(outcome.received, '', 'nothing is said to a connection that never started TLS');
  }
  const silent = await silentTls;
  t.true(silent.livedMs >= limits.headersTimeoutMs - 50, `TLS without a request closed after ${silent.livedMs} ms`);
  t.regex(silent.received, /^HTTP\/1\.1 408 Request Timeout/);
  t.regex((await partial).received, /^HTTP\/1\.1 408 Request Timeout/);
  const body = await slow;
  t.true(body.livedMs >= limits.requestTimeoutMs - 50, `a request whose body never ends closed after ${body.livedMs} ms`);
  t.regex(body.received, /^HTTP\/1\.1 408 Request Timeout/);

  // Meanwhile and after, the agent's heartbeats go on, none lost.
  await beatsGoOn(t, node, beatsBefore, 2);
  const shown = await admin.nodes.get('slow-beater');
  t.is(shown.status, 'ready');
});

test('beyond the connection cap new connections are refused while the open ones keep working', async (t) => {
  const cp = await startControlPlane({ listener: { maxConnections: 3 }, captureLogs: 'warn' });
  const tls = { ca: cp.caPem, checkServerIdentity: () => undefined };
  const clients = [0, 1, 2].map(() => new Client(cp.url, { connect: tls, pipelining: 1 }));
  const extra: Client[] = [];
  t.teardown(async () => {
    await Promise.all([...clients, ...extra].map((client) => client.destroy()));
    await cp.close();
  });
  const whoami = async (client: Client): Promise<number> => {
    const response = await client.request({ method: 'GET', path: '/v1/whoami', headers: { authorization: `Bearer ${cp.adminToken}` } });
    await response.body.dump();
    return response.statusCode;
  };
  // Three authenticated keep-alive connections fill the cap.
  t.deepEqual(await Promise.all(clients.map(whoami)), [200, 200, 200]);
  t.is(await connectionCount(cp), 3);

  const fourth = new Client(cp.url, { connect: tls });
  extra.push(fourth);
  const refused = await t.throwsAsync(whoami(fourth));
  t.regex(`${refused?.message} ${(refused as { code?: string } | undefined)?.code}`, /ECONNRESET|socket|closed|disconnected/i);
  const rawRefused = await closed(connectTcp(portOf(cp), '127.0.0.1'));
  t.is(rawRefused.received, '');

  // The open ones still work, on their own connections.
  t.deepEqual(await Promise.all(clients.map(whoami)), [200, 200, 200]);
  t.is(await connectionCount(cp), 3);
  const warning = cp.logs
    .map((line) => JSON.parse(line) as { msg: string; max_connections?: number })
    .find((record) => record.msg.startsWith('refused '));
  t.truthy(warning, cp.logs.join('\n'));
  t.regex(
    warning!.msg,
    /^refused 1 new connection\(s\) since the last warning: 3 connections are open, the cap; .*raise --max-connections/,
  );
  t.is(warning!.max_connections, 3);

  // A slot freed is a slot taken.
  await clients.pop()!.close();
  await eventually(
    () => connectionCount(cp),
    (count) => count === 2,
  );
  const fifth = new Client(cp.url, { connect: tls });
  extra.push(fifth);
  t.is(await whoami(fifth), 200);
});

test('otherix-server --max-connections and OTHERIX_SERVER__MAX_CONNECTIONS set the cap; the open-file limit is checked against it', async (t) => {
  const capped = await spawnControlPlane({ args: ['--max-connections', '1'] });
  try {
    const held = await tlsToSpawned(capped);
    const refused = await closed(connectTcp(portOf(capped), '127.0.0.1'));
    t.is(refused.received, '', 'the second connection is closed at once');
    held.destroy();
  } finally {
    await capped.stop();
  }
  // A cap above the open-file limit is started with a warning that says what to raise.
  const overLimit = await spawnControlPlane({ env: { OTHERIX_SERVER__MAX_CONNECTIONS: '100000000' } });
  try {
    const stdout = (
      await eventually(
        async () => overLimit.output().stdout,
        (out) => out.includes('the open-file limit'),
      )
    ).toString();
    t.regex(stdout, new RegExp(`is below --max-connections \\(100000000\\) \\+ ${RESERVED_FILE_DESCRIPTORS} for the database and logs`));
  } finally {
    await overLimit.stop();
  }
});

async function connectionCount(cp: ControlPlane): Promise<number> {
  return new Promise((resolve, reject) => cp.app.server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
}

async function tlsToSpawned(cp: { url: string; caPem: string }): Promise<Socket> {
  const socket = connectTls({ host: '127.0.0.1', port: portOf(cp), ca: cp.caPem, checkServerIdentity: () => undefined });
  await once(socket, 'secureConnect');
  return socket;
}
