// Trust on first use: /v1/ca fetched unverified, its fingerprint computed from the PEM and
// compared with the pin; the serving certificate of that same connection must chain to it.
import test from 'ava';
import { X509Certificate } from 'node:crypto';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createClient, pinCa, isOtherixError } from '@otherix/sdk';
import { singleCaCertificate, toPem } from '@otherix/sdk/pki';
import { controlPlaneForFile } from '../harness/control-plane.js';
import type { ControlPlane } from '../harness/control-plane.js';
import { cpServingIdentity, mintCa, mintServerCert, reachedImpostor, requestLines } from '../harness/impostor-server.js';
import { startImpostor, startOwnCaImpostor, startPinSplitter } from '../harness/impostor-server.js';
import { joinNode } from '../harness/cluster.js';

let cp: ControlPlane;

controlPlaneForFile(test, (started) => (cp = started));

test('the pin holds for sha256:, bare hex and openssl-style colon fingerprints', async (t) => {
  const hex = cp.caFingerprint.slice('sha256:'.length);
  const colons = hex.toUpperCase().match(/../g)!.join(':');
  for (const fingerprint of [cp.caFingerprint, hex, colons]) {
    const pinned = await pinCa({ cpUrl: cp.url, fingerprint });
    t.is(pinned.caPem.trim(), cp.caPem.trim(), fingerprint);
    t.is(pinned.fingerprint, cp.caFingerprint);
  }
});

test('a wrong pin is fingerprint_mismatch naming both fingerprints', async (t) => {
  const other = mintCa('other');
  const error = await t.throwsAsync(pinCa({ cpUrl: cp.url, fingerprint: other.fingerprint }));
  t.true(isOtherixError(error, 'fingerprint_mismatch'));
  t.is(
    error.message,
    `fingerprint mismatch: got ${cp.caFingerprint}, expected ${other.fingerprint}: check the value, or suspect a man in the middle`,
  );
});

test('a malformed pin is refused before any connection', async (t) => {
  const error = await t.throwsAsync(pinCa({ cpUrl: 'https://127.0.0.1:1', fingerprint: 'sha1:abcd' }));
  t.true(isOtherixError(error, 'invalid_fingerprint'));
});

test('a server presenting its own CA is refused: the body fingerprint field is not trusted', async (t) => {
  const impostor = await startOwnCaImpostor('rogue');
  t.teardown(impostor.close);
  const error = await t.throwsAsync(pinCa({ cpUrl: impostor.url, fingerprint: cp.caFingerprint }));
  t.true(isOtherixError(error, 'fingerprint_mismatch'));
  t.true(error.message.includes(impostor.ownCa.fingerprint));
});

test('a man in the middle relaying the real CA over its own certificate is refused', async (t) => {
  const relay = await startOwnCaImpostor('relay', cp.caPem);
  t.teardown(relay.close);
  const error = await t.throwsAsync(pinCa({ cpUrl: relay.url, fingerprint: cp.caFingerprint }));
  t.true(isOtherixError(error, 'tls_failed'));
  t.regex(error.message, /man in the middle/);
});

test('a node of the cluster serving the real CA cannot pass as the control plane', async (t) => {
  const node = await joinNode(cp, 'tofu-node');
  const impostor = await startImpostor({ serving: node.cert, caPemToServe: cp.caPem });
  t.teardown(impostor.close);
  const error = await t.throwsAsync(pinCa({ cpUrl: impostor.url, fingerprint: cp.caFingerprint }));
  t.true(isOtherixError(error, 'tls_failed'));
  t.true(error.message.includes('spiffe://otherix/control-plane'));
});

// Issue 12: the pin covers exactly what is trusted afterwards.

test('the pinned CA is exactly the one certificate, re-encoded from its DER', async (t) => {
  const pinned = await pinCa({ cpUrl: cp.url, fingerprint: cp.caFingerprint });
  const der = new X509Certificate(cp.caPem).raw;
  t.is(pinned.caPem, toPem('CERTIFICATE', der));
  t.is(pinned.caPem.match(/-----BEGIN /g)?.length, 1);
});

test('a man in the middle with the CP client.crt and a two-certificate ca_pem is refused: nothing but the CA fetch reaches it', async (t) => {
  const splitter = await startPinSplitter(cp);
  t.teardown(splitter.close);
  const error = await t.throwsAsync(pinCa({ cpUrl: splitter.url, fingerprint: cp.caFingerprint }));
  t.true(isOtherixError(error, 'invalid_ca'), String(error));
  t.regex(error.message, /holds 2 PEM blocks \(CERTIFICATE, CERTIFICATE\), not one certificate: .*suspect a man in the middle/);
  t.deepEqual(requestLines(splitter), ['GET /v1/ca']);
});

test('a second certificate beside the real CA is refused even when the real serving certificate answers', async (t) => {
  // The CP's own serving identity, so nothing but the extra certificate is wrong.
  const attacker = mintCa('extra');
  for (const caPemToServe of [`${cp.caPem}${attacker.certPem}`, `${attacker.certPem}${cp.caPem}`]) {
    const impostor = await startImpostor({ serving: cpServingIdentity(cp), caPemToServe });
    t.teardown(impostor.close);
    const error = await t.throwsAsync(pinCa({ cpUrl: impostor.url, fingerprint: cp.caFingerprint }));
    t.true(isOtherixError(error, 'invalid_ca'), String(error));
  }
});

test('a clientAuth-only certificate of the real CA with the CP identity cannot serve the pinned fetch', async (t) => {
  const impostor = await startImpostor({ serving: cp.clientCertificate, caPemToServe: cp.caPem });
  t.teardown(impostor.close);
  const error = await t.throwsAsync(pinCa({ cpUrl: impostor.url, fingerprint: cp.caFingerprint }));
  t.true(isOtherixError(error, 'tls_failed'), String(error));
  t.regex(error.message, /is not a serving certificate \(no serverAuth extended key usage\): suspect a man in the middle/);
});

test('a pinned client never sends its token to a clientAuth-only identity on later connections either', async (t) => {
  // The verified connections (after the pin) refuse it too: OpenSSL checks the serverAuth purpose.
  const impostor = await startImpostor({ serving: cp.clientCertificate, caPemToServe: cp.caPem });
  t.teardown(impostor.close);
  const client = createClient({ cpUrl: impostor.url, caPem: cp.caPem, token: cp.adminToken });
  try {
    const error = await t.throwsAsync(client.whoami());
    t.true(isOtherixError(error, 'tls_failed'), String(error));
  } finally {
    await client.close();
  }
  t.false(reachedImpostor(impostor, cp.adminToken));
});

test('singleCaCertificate refuses every answer that is not exactly one CA certificate, with invalid_ca', (t) => {
  const other = mintCa('other');
  const leaf = mintServerCert(other, 'spiffe://otherix/control-plane');
  const der = new X509Certificate(cp.caPem).raw;
  const withTrailing = toPem('CERTIFICATE', Buffer.concat([der, Buffer.from([0x30, 0x00])]));
  const cases: Array<[string, unknown, RegExp]> = [
    ['no block', 'hello', /holds no PEM CERTIFICATE block/],
    ['not a string', 42, /holds no PEM text/],
    ['two certificates', `${cp.caPem}${other.certPem}`, /holds 2 PEM blocks/],
    ['a key beside it', `${cp.caPem}${other.keyPem}`, /holds 2 PEM blocks \(CERTIFICATE, (EC )?PRIVATE KEY\)/],
    ['a key alone', other.keyPem, /holds a (EC )?PRIVATE KEY block, not a CERTIFICATE/],
    ['text outside', `${cp.caPem}trailing words\n`, /holds text outside its CERTIFICATE block/],
    ['bytes after the DER', withTrailing, /holds bytes after the certificate/],
    ['a leaf, not a CA', leaf.certPem, /holds a certificate that is not a CA/],
  ];
  for (const [what, pem, message] of cases) {
    const error = t.throws(() => singleCaCertificate(pem, 'the answer'), undefined, what);
    t.true(isOtherixError(error, 'invalid_ca'), `${what}: ${String(error)}`);
    t.regex(error.message, message, what);
  }
  const crlf = cp.caPem.replace(/\n/g, '\r\n');
  t.is(
    singleCaCertificate(`\n${crlf}\n\n`, 'the answer').pem,
    toPem('CERTIFICATE', der),
    'whitespace and CRLF are fine, and the PEM is re-encoded',
  );
});

// The answer is read before anything is trusted: a server that is not the CP can send up to the
// read cap (256 KiB) of PEM markers. Every marker starts a block, so the refusal is immediate and
// names them all (the regular expression that paired each BEGIN with an END spent tens of seconds
// of CPU on such an answer, quadratic in its size, before saying it held no block).
test('an answer of thousands of BEGIN lines is refused as that many PEM blocks', async (t) => {
  const markers = 15_000;
  const hostile = '-----BEGIN -----'.repeat(markers);
  const serving = cpServingIdentity(cp);
  const server = createServer({ key: serving.keyPem, cert: serving.certPem }, (_request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ ca_pem: hostile, fingerprint: cp.caFingerprint }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const error = await t.throwsAsync(
    pinCa({ cpUrl: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, fingerprint: cp.caFingerprint }),
  );
  t.true(isOtherixError(error, 'invalid_ca'), String(error));
  t.regex(error.message, new RegExp(`holds ${markers} PEM blocks \\(, , , \\.\\.\\.\\), not one certificate`));
  t.true(error.message.length < 1000, 'the message lists a few labels, not thousands');
});
