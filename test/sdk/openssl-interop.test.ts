// The SDK against OpenSSL itself: a CSR the SDK makes is one `openssl req -verify` accepts, a
// key it writes is one openssl reads, and the fingerprint the SDK computes is openssl's.
import test from 'ava';
import {
  createCsr,
  exportPrivateKeyPem,
  fingerprintOfPem,
  fingerprintsEqual,
  generateNodeKeyPair,
  parseFingerprint,
  verifyCsr,
} from '@otherix/sdk/pki';
import { opensslWorkspace } from '../harness/openssl.js';

test('a CSR made by the SDK passes openssl req -verify; a tampered one does not', async (t) => {
  const ws = opensslWorkspace();
  t.teardown(() => ws.cleanup());
  const csr = await createCsr(await generateNodeKeyPair(), 'hv-01');
  ws.write('node.csr', csr);
  // OpenSSL 3.0 exits 0 even when the self-signature fails: the verdict is the printed line.
  const ok = ws.runAll(['req', '-in', 'node.csr', '-verify', '-noout']);
  t.is(ok.status, 0);
  t.regex(ok.stdout + ok.stderr, /verify OK/);
  t.notRegex(ok.stdout + ok.stderr, /failure/);
  const text = ws.run(['req', '-in', 'node.csr', '-noout', '-text']);
  t.regex(text, /Subject: CN ?= ?hv-01/);
  t.regex(text, /ecdsa-with-SHA384/);
  t.regex(text, /NIST CURVE: P-384|secp384r1/);

  const der = Buffer.from(csr.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
  der[der.length - 1] ^= 0x01;
  ws.write(
    'tampered.csr',
    `-----BEGIN CERTIFICATE REQUEST-----\n${der
      .toString('base64')
      .match(/.{1,64}/g)!
      .join('\n')}\n-----END CERTIFICATE REQUEST-----\n`,
  );
  const bad = ws.runAll(['req', '-in', 'tampered.csr', '-verify', '-noout']);
  t.notRegex(bad.stdout + bad.stderr, /verify OK/);
  t.regex(bad.stdout + bad.stderr, /verify failure/);
});

test('openssl reads the key the SDK exports, and its CSR from that key verifies in the SDK', async (t) => {
  const ws = opensslWorkspace();
  t.teardown(() => ws.cleanup());
  ws.write('agent.key', await exportPrivateKeyPem((await generateNodeKeyPair()).privateKey));
  const text = ws.run(['pkey', '-in', 'agent.key', '-noout', '-text']);
  t.regex(text, /NIST CURVE: P-384|secp384r1/);
  ws.run(['req', '-new', '-key', 'agent.key', '-sha384', '-subj', '/CN=from-openssl', '-out', 'req.csr']);
  t.notThrows(() => verifyCsr(ws.read('req.csr')));
});

test('the SDK fingerprint of an openssl certificate equals openssl x509 -fingerprint -sha256', (t) => {
  const ws = opensslWorkspace();
  t.teardown(() => ws.cleanup());
  ws.run([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-384',
    '-nodes',
    '-keyout',
    'ca.key',
    '-sha384',
    '-days',
    '1',
    '-subj',
    '/CN=interop CA',
    '-out',
    'ca.crt',
  ]);
  const printed = ws.run(['x509', '-in', 'ca.crt', '-fingerprint', '-sha256', '-noout']).trim();
  t.regex(printed, /^sha256 Fingerprint=([0-9A-F]{2}:){31}[0-9A-F]{2}$/i);
  const openssl = parseFingerprint(printed.split('=')[1]);
  const sdk = fingerprintOfPem(ws.read('ca.crt'));
  t.is(sdk, openssl);
  t.regex(sdk, /^sha256:[0-9a-f]{64}$/);
  // The whole line, as an operator might paste it, is accepted too.
  t.is(parseFingerprint(printed), sdk);
  t.true(fingerprintsEqual(printed.split('=')[1], sdk));
});
