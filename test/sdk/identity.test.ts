// Identity is the SPIFFE URI SAN: checkServerIdentityFor accepts a peer iff it carries the id,
// tried over real TLS connections to a local server.
import test from 'ava';
import { X509Certificate } from 'node:crypto';
import { connect, createServer } from 'node:tls';
import type { AddressInfo } from 'node:net';
import {
  CONTROL_PLANE_SPIFFE_ID,
  checkServerIdentityFor,
  exportPrivateKeyPem,
  nodeNameFromSpiffeId,
  nodeSpiffeId,
  uriSansOf,
} from '@otherix/sdk/pki';
import { mintTestCa, mintTestLeaf } from '../harness/certificates.js';

test('node SPIFFE ids', (t) => {
  t.is(CONTROL_PLANE_SPIFFE_ID, 'spiffe://otherix/control-plane');
  t.is(nodeSpiffeId('hv-01'), 'spiffe://otherix/node/hv-01');
  t.is(nodeNameFromSpiffeId('spiffe://otherix/node/hv-01'), 'hv-01');
  t.is(nodeNameFromSpiffeId(CONTROL_PLANE_SPIFFE_ID), null);
  t.is(nodeNameFromSpiffeId('spiffe://otherix/node/'), null);
  t.is(nodeNameFromSpiffeId('spiffe://otherix/node/a/b'), null);
  t.is(nodeNameFromSpiffeId('spiffe://evil/node/hv-01'), null);
});

test('uriSansOf reads node subjectAltName text, including quoted entries', async (t) => {
  t.deepEqual(uriSansOf('DNS:localhost, URI:spiffe://otherix/control-plane, IP Address:127.0.0.1'), [CONTROL_PLANE_SPIFFE_ID]);
  t.deepEqual(uriSansOf({ subjectAltName: 'URI:a:b, URI:spiffe://x/y' }), ['a:b', 'spiffe://x/y']);
  t.deepEqual(uriSansOf('DNS:"a, b", URI:"spiffe://x/with,comma"'), ['spiffe://x/with,comma']);
  t.deepEqual(uriSansOf({ subjectAltName: undefined }), []);
  t.deepEqual(uriSansOf(''), []);
  const ca = await mintTestCa();
  const leaf = await mintTestLeaf({ ca, uri: nodeSpiffeId('hv-07') });
  t.deepEqual(uriSansOf(new X509Certificate(leaf.certPem)), ['spiffe://otherix/node/hv-07']);
  // Node escapes a SAN holding a comma as a JSON string ("\u002c"): read it back exactly.
  const tricky = await mintTestLeaf({ ca, uri: 'spiffe://otherix/node/a,URI:spiffe://otherix/control-plane' });
  t.deepEqual(uriSansOf(new X509Certificate(tricky.certPem)), ['spiffe://otherix/node/a,URI:spiffe://otherix/control-plane']);
});

async function handshake(serverUri: string, expected: string): Promise<{ ok: true } | { ok: false; error: Error & { code?: string } }> {
  const ca = await mintTestCa();
  const leaf = await mintTestLeaf({ ca, uri: serverUri });
  const server = createServer({ key: await exportPrivateKeyPem(leaf.keys.privateKey), cert: leaf.certPem }, (socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise((resolve) => {
      // servername deliberately unrelated: the host name is not part of Otherix identity.
      const socket = connect({
        host: '127.0.0.1',
        port,
        ca: ca.certPem,
        servername: 'not-the-host.invalid',
        checkServerIdentity: checkServerIdentityFor(expected),
      });
      socket.once('secureConnect', () => {
        socket.destroy();
        resolve({ ok: true });
      });
      socket.once('error', (error) => resolve({ ok: false, error }));
    });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

test('a peer carrying the expected SPIFFE id is accepted whatever the host name', async (t) => {
  const result = await handshake(CONTROL_PLANE_SPIFFE_ID, CONTROL_PLANE_SPIFFE_ID);
  t.true(result.ok);
});

test('a peer with another SPIFFE id (a node) is refused as a TLS failure', async (t) => {
  const result = await handshake(nodeSpiffeId('hv-01'), CONTROL_PLANE_SPIFFE_ID);
  t.false(result.ok);
  if (!result.ok) {
    t.is(result.error.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
    t.regex(result.error.message, /spiffe:\/\/otherix\/control-plane/);
    t.regex(result.error.message, /spiffe:\/\/otherix\/node\/hv-01/);
  }
});

test('checkServerIdentityFor is a pure function of the certificate SANs', (t) => {
  const check = checkServerIdentityFor(nodeSpiffeId('a'));
  t.is(check('x', { subjectaltname: 'URI:spiffe://otherix/node/a' } as never), undefined);
  t.true(check('x', { subjectaltname: 'URI:spiffe://otherix/node/ab' } as never) instanceof Error);
  t.true(check('x', { subjectaltname: 'DNS:spiffe://otherix/node/a' } as never) instanceof Error);
  t.true(check('x', {} as never) instanceof Error);
});
