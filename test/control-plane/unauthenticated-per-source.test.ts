// One source cannot hold the CP's connections with connections that never authenticate (review
// of issue 12): a source (an IPv4 address, an IPv6 /64) may hold --max-unauthenticated-per-source
// connections on which no credential was accepted yet; its new ones beyond are closed at once,
// while another source (127.0.0.2, which Linux routes to lo) connects and joins, and connections
// that proved a credential (a real agent's heartbeats, the admin's keep-alive) neither count nor
// stop. Timeouts are injected long, so the held connections stay for the test's length.
import test from 'ava';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { connect as connectTcp } from 'node:net';
import type { Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { Client } from 'undici';
import { createClient } from '@otherix/sdk';
import { api, spawnControlPlane, startControlPlane } from '../harness/control-plane.js';
import type { ApiTarget } from '../harness/control-plane.js';
import { joinRequest, nodeCsr } from '../harness/join-request.js';
import { acceptedBeats, beatsGoOn, bootstrapAndServe } from '../harness/served-node.js';
import { eventually } from '../harness/loopback.js';

const portOf = (cp: { url: string }): number => Number(new URL(cp.url).port);

interface Held {
  socket: Socket;
  /** Resolves with what the CP said once the socket is closed. */
  closed: Promise<string>;
  isClosed(): boolean;
}

function track(socket: Socket): Held {
  let received = '';
  let done = false;
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  // Not once(): it rejects when 'error' (a reset) comes before 'close'.
  const closed = new Promise<string>((resolve) =>
    socket.on('close', () => {
      done = true;
      resolve(received);
    }),
  );
  return { socket, closed, isClosed: () => done };
}

/** A raw TCP connection that never starts TLS, connected. */
async function rawFrom(cp: ApiTarget, localAddress = '127.0.0.1'): Promise<Held> {
  const socket = connectTcp({ host: '127.0.0.1', port: portOf(cp), localAddress });
  const held = track(socket);
  await once(socket, 'connect');
  return held;
}

/** A TLS connection that never sends a request; resolves once the handshake is done (the CP accepted it), or with the refusal. */
async function tlsFrom(cp: ApiTarget, localAddress = '127.0.0.1'): Promise<Held & { handshake: 'done' | 'refused' }> {
  const tcp = connectTcp({ host: '127.0.0.1', port: portOf(cp), localAddress });
  const socket = connectTls({ socket: tcp, ca: cp.caPem, checkServerIdentity: () => undefined });
  const held = track(socket);
  const handshake = await once(socket, 'secureConnect').then(
    () => 'done' as const,
    () => 'refused' as const,
  );
  return { ...held, handshake };
}

test('one source is capped at its unauthenticated connections while another source joins and a real agent beats on', async (t) => {
  const limit = 8;
  const long = { handshakeTimeoutMs: 55_000, headersTimeoutMs: 55_000, requestTimeoutMs: 55_000 };
  const cp = await startControlPlane({ listener: { ...long, maxUnauthenticatedPerSource: limit }, captureLogs: 'warn' });
  const admin = createClient({ cpUrl: cp.url, caPem: cp.caPem, token: cp.adminToken });
  const held: Held[] = [];
  const other = new Client(cp.url, { localAddress: '127.0.0.2', connect: { ca: cp.caPem, checkServerIdentity: () => undefined } });
  // A real agent on 127.0.0.1 (the attacking source), beating every 200 ms on its keep-alive connection.
  const node = await bootstrapAndServe(cp, admin, 'beats-on', { OTHERIX_LOGGER__LEVEL: 'debug' });
  t.teardown(async () => {
    for (const h of held) h.socket.destroy();
    await other.close();
    await node.cleanup();
    await admin.close();
    await cp.close();
  });
  /** A call from 127.0.0.2. */
  const fromOther = async (method: 'GET' | 'POST', path: string, options: { token?: string; body?: unknown } = {}) => {
    const headers: Record<string, string> = options.body === undefined ? {} : { 'content-type': 'application/json' };
    if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
    const response = await other.request({ method, path, headers, body: options.body === undefined ? null : JSON.stringify(options.body) });
    return { status: response.statusCode, body: (await response.body.json()) as any };
  };
  await node.serve.waitForLog((r) => r.msg === 'heartbeat: first heartbeat accepted');
  // The admin's connection from 127.0.0.1 proved a credential too, before the attack.
  const minted = await admin.joinTokens.create({ node_name: 'from-elsewhere' });

  // 127.0.0.1 fills its limit with idle connections: half raw TCP, half TLS without a request.
  // All of them are taken although the agent's and the admin's connections share the source.
  for (let i = 0; i < limit / 2; i++) held.push(await rawFrom(cp));
  for (let i = 0; i < limit / 2; i++) {
    const tls = await tlsFrom(cp);
    t.is(tls.handshake, 'done', `held TLS connection ${i}`);
    held.push(tls);
  }
  // Beyond the limit, its new connections are closed at once, before TLS, with nothing said.
  const refusedRaw = await rawFrom(cp);
  t.is(await refusedRaw.closed, '', 'a refused raw connection hears nothing');
  const refusedTls = await tlsFrom(cp);
  t.is(refusedTls.handshake, 'refused');
  t.is(await refusedTls.closed, '');
  const refusedAnonymous = await t.throwsAsync(api(cp, 'GET', '/healthz'));
  t.regex(
    `${refusedAnonymous?.message} ${(refusedAnonymous as { code?: string } | undefined)?.code}`,
    /ECONNRESET|socket|closed|disconnected/i,
  );

  // Another source connects and joins (its consumption says where it came from).
  const joined = await fromOther('POST', '/v1/nodes/join', {
    body: joinRequest(minted.token, 'from-elsewhere', (await nodeCsr('from-elsewhere')).csrPem),
  });
  t.is(joined.status, 201, JSON.stringify(joined.body));
  const consumptions = await fromOther('GET', `/v1/nodes/join-tokens/${minted.id}/consumptions`, { token: cp.adminToken });
  t.is(consumptions.body.items[0]?.source_ip, '127.0.0.2');
  // The agent on the capped source beats on, over its keep-alive connection.
  const beatsDuringAttack = acceptedBeats(node);
  await beatsGoOn(t, node, beatsDuringAttack, 3);
  t.is((await fromOther('GET', '/v1/nodes/beats-on', { token: cp.adminToken })).body.status, 'ready');

  // Every held connection is still open: none was closed to make room.
  t.deepEqual(
    held.map((h) => h.isClosed()),
    Array(limit).fill(false),
  );
  const warning = cp.logs
    .map((line) => JSON.parse(line) as { msg: string; sources?: string[]; max_unauthenticated_per_source?: number })
    .find((r) => r.msg.startsWith('refused '));
  t.truthy(warning, cp.logs.join('\n'));
  t.regex(
    warning!.msg,
    /^refused 1 new connection\(s\) since the last warning from 127\.0\.0\.1: each source \(an IPv4 address, an IPv6 \/64\) may hold 8 connections that have not authenticated yet; .*raise --max-unauthenticated-per-source$/,
  );
  t.deepEqual(warning!.sources, ['127.0.0.1']);
  t.is(warning!.max_unauthenticated_per_source, limit);

  // Slots freed are slots taken: once the idle connections go, the source connects again.
  for (const h of held.splice(0)) h.socket.destroy();
  await eventually(
    () =>
      api(cp, 'GET', '/healthz').then(
        (response) => response.status,
        () => 0,
      ),
    (status) => status === 200,
  );
});

test('otherix-server --max-unauthenticated-per-source and OTHERIX_SERVER__MAX_UNAUTHENTICATED_PER_SOURCE set the limit', async (t) => {
  for (const how of [
    { args: ['--max-unauthenticated-per-source', '1'] },
    { env: { OTHERIX_SERVER__MAX_UNAUTHENTICATED_PER_SOURCE: '1' } },
  ]) {
    const cp = await spawnControlPlane(how);
    try {
      const first = await rawFrom(cp);
      const second = await rawFrom(cp);
      t.is(await second.closed, '', 'the second unauthenticated connection from 127.0.0.1 is closed at once');
      const elsewhere = await tlsFrom(cp, '127.0.0.2');
      t.is(elsewhere.handshake, 'done', 'another source still connects');
      elsewhere.socket.destroy();
      t.false(first.isClosed());
      first.socket.destroy();
    } finally {
      await cp.stop();
      await rm(cp.dataDir, { recursive: true, force: true });
    }
  }
});
