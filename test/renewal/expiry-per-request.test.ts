// An expired certificate cannot renew (issue 16), however the connection came to be. OpenSSL checks
// a client certificate's dates only during a full handshake: a connection opened before the end
// (an agent's keep-alive connection, kept alive by its heartbeats) and a TLS session resumed from a
// ticket (the CP issues them; valid 300 s) are not checked again. So the CP checks the dates on
// its own clock on every request. Here the CP's clock is moved past the end of a node's leaf
// (as the other tests move it), after a request that earned keep-alive and a session ticket.
import test from 'ava';
import { connect } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { heartbeatBody, joinNode } from '../harness/cluster.js';
import { api, movableClock, startControlPlane } from '../harness/control-plane.js';
import type { ControlPlane } from '../harness/control-plane.js';
import type { KeyPairPem } from '@otherix/server';
import { nodeCsr } from '../harness/join-request.js';
import { certificateStatuses } from './renewals.js';

const DAY = 86_400_000;

interface Answer {
  status: number;
  body: any;
}

/** A TLS connection to the CP with the node's certificate, resuming `session` when given; HTTP/1.1 keep-alive on it. */
async function open(
  cp: ControlPlane,
  cert: KeyPairPem,
  session?: Buffer,
): Promise<{ socket: TLSSocket; session: Promise<Buffer>; send(path: string, body: unknown): Promise<Answer> }> {
  const socket = connect({
    host: '127.0.0.1',
    port: Number(new URL(cp.url).port),
    ca: cp.caPem,
    cert: cert.certPem,
    key: cert.keyPem,
    servername: 'localhost',
    ...(session === undefined ? {} : { session }),
  });
  const ticket = new Promise<Buffer>((resolve) => socket.once('session', resolve));
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', resolve);
    socket.once('error', reject);
  });
  let buffered = '';
  const waiting: Array<() => void> = [];
  socket.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    for (const wake of waiting.splice(0)) wake();
  });
  socket.on('end', () => {
    for (const wake of waiting.splice(0)) wake();
  });
  const send = async (path: string, body: unknown): Promise<Answer> => {
    const payload = JSON.stringify(body);
    socket.write(
      `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`,
    );
    for (;;) {
      const head = buffered.indexOf('\r\n\r\n');
      const length = head < 0 ? undefined : /content-length: (\d+)/i.exec(buffered.slice(0, head))?.[1];
      if (head >= 0 && length !== undefined && buffered.length >= head + 4 + Number(length)) {
        const status = Number(buffered.slice(9, 12));
        const text = buffered.slice(head + 4, head + 4 + Number(length));
        buffered = buffered.slice(head + 4 + Number(length));
        return { status, body: JSON.parse(text) };
      }
      if (socket.readableEnded) throw new Error(`the CP closed the connection; got ${JSON.stringify(buffered)}`);
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
  };
  return { socket, session: ticket, send };
}

test("a leaf that ended on the CP's clock renews neither on a connection opened before the end, nor on a resumed TLS session, nor on a new one", async (t) => {
  const clock = movableClock();
  const cp = await startControlPlane({ clock });
  t.teardown(() => cp.close());
  const node = await joinNode(cp, 'ends-while-connected');
  const early = await open(cp, node.cert);
  t.teardown(() => early.socket.destroy());
  t.is((await early.send('/v1/nodes/heartbeat', heartbeatBody())).status, 200, 'a heartbeat that earns keep-alive');
  const ticket = await early.session;

  clock.advance(31 * DAY); // the 30-day leaf has ended on the CP's clock
  const renewal = async (): Promise<{ csr_pem: string }> => ({ csr_pem: (await nodeCsr(node.name)).csrPem });

  const kept = await early.send('/v1/nodes/renew', await renewal());
  t.is(kept.status, 401, `on the connection opened before the end: ${JSON.stringify(kept.body)}`);
  t.is(kept.body.error?.code, 'unauthenticated');
  t.is(kept.body.error?.details?.tls_verification, 'CERT_HAS_EXPIRED');
  t.regex(kept.body.error?.message ?? '', /has expired/);

  const resumed = await open(cp, node.cert, ticket);
  t.teardown(() => resumed.socket.destroy());
  t.true(resumed.socket.isSessionReused(), 'the TLS session was resumed (no certificate check in the handshake)');
  const onResumed = await resumed.send('/v1/nodes/renew', await renewal());
  t.is(onResumed.status, 401, `on a resumed session: ${JSON.stringify(onResumed.body)}`);
  t.is(onResumed.body.error?.details?.tls_verification, 'CERT_HAS_EXPIRED');

  const fresh = await api(cp, 'POST', '/v1/nodes/renew', { cert: node.cert, body: await renewal() });
  t.is(fresh.status, 401, `on a new connection: ${fresh.text}`);

  t.deepEqual(await certificateStatuses(cp, [node.serial]), { [node.serial]: 'current' }, 'nothing was signed or recorded');
  const shown = await api(cp, 'GET', `/v1/nodes/${node.name}`, { token: cp.adminToken });
  t.is(shown.body.certificate.serial, node.serial);

  // A heartbeat with it is refused too, with the same code.
  const beat = await api(cp, 'POST', '/v1/nodes/heartbeat', { cert: node.cert, body: heartbeatBody() });
  t.is(beat.status, 401);
  t.is(beat.body.error.details.tls_verification, 'CERT_HAS_EXPIRED');
});
