// TLS on the CP's port (SPEC §2, issue 3): TLS 1.2 minimum with AEAD suites, TLS 1.3 preferred,
// and plain HTTP on the TLS port refused, not served.
import test from 'ava';
import { connect as tcpConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { ConnectionOptions } from 'node:tls';
import { controlPlaneForFile } from '../harness/control-plane.js';
import { ALLOWED_OFFERS, REFUSED_OFFERS, protocolName, tryHandshake } from '../harness/tls-scan.js';
import type { ControlPlane } from '../harness/control-plane.js';

let cp: ControlPlane;
let port: number;

controlPlaneForFile(test, async (started) => {
  cp = started;
  port = Number(new URL(cp.url).port);
});

function handshake(options: ConnectionOptions): Promise<{ protocol: string | null; cipher: string }> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca: cp.caPem, servername: 'localhost', ...options }, () => {
      const result = { protocol: socket.getProtocol(), cipher: socket.getCipher().name };
      socket.end();
      resolve(result);
    });
    socket.on('error', reject);
  });
}

test('a default client gets TLS 1.3', async (t) => {
  t.is((await handshake({})).protocol, 'TLSv1.3');
});

test('TLS 1.2 is accepted with an ECDHE-ECDSA AEAD suite', async (t) => {
  const { protocol, cipher } = await handshake({ maxVersion: 'TLSv1.2' });
  t.is(protocol, 'TLSv1.2');
  t.regex(cipher, /^ECDHE-ECDSA-(AES(128|256)-GCM|CHACHA20-POLY1305)/);
});

test('TLS 1.1 and 1.0 are refused by the server', async (t) => {
  // SECLEVEL=0 lets this client offer the old versions, so the refusal is the server's.
  for (const version of ['TLSv1.1', 'TLSv1'] as const) {
    const error = await t.throwsAsync(handshake({ minVersion: version, maxVersion: version, ciphers: 'DEFAULT:@SECLEVEL=0' }));
    t.regex(
      `${(error as NodeJS.ErrnoException).code} ${error?.message}`,
      /protocol version|unsupported protocol|UNSUPPORTED_PROTOCOL|TLSV1_ALERT_PROTOCOL_VERSION/i,
    );
  }
});

test('a CBC suite on TLS 1.2 is refused', async (t) => {
  await t.throwsAsync(handshake({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:@SECLEVEL=0' }));
});

test('plain HTTP on the TLS port gets no HTTP response', async (t) => {
  const reply = await new Promise<string>((resolve) => {
    const socket = tcpConnect({ host: '127.0.0.1', port }, () => socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n'));
    let data = '';
    socket.on('data', (chunk) => (data += chunk.toString('latin1')));
    socket.on('close', () => resolve(data));
    socket.on('error', () => resolve(data));
  });
  t.false(reply.startsWith('HTTP/'), JSON.stringify(reply.slice(0, 80)));
  t.false(reply.includes('"status":"ok"'));
});

// The same scan as the agent's port gets (test/serve/mtls.test.ts): one policy, two servers.
test('openssl s_client per suite: the CP negotiates exactly the policy and refuses the rest', async (t) => {
  for (const offer of ALLOWED_OFFERS) {
    const result = await tryHandshake({ port, caPem: cp.caPem }, offer);
    t.is(result.negotiated, `${protocolName(offer.protocol)} ${offer.suite}`, result.output);
  }
  for (const offer of REFUSED_OFFERS) {
    const result = await tryHandshake({ port, caPem: cp.caPem }, offer);
    t.false(result.accepted, `${offer.protocol} ${offer.suite} was accepted: ${result.negotiated ?? ''}`);
  }
});
