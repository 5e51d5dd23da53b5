// CA fingerprints: computed from the certificate DER, parsed leniently, compared in constant time.
import test from 'ava';
import { X509Certificate, createHash } from 'node:crypto';
import { isOtherixError } from '@otherix/sdk';
import { fingerprintOfDer, fingerprintOfPem, fingerprintsEqual, parseFingerprint } from '@otherix/sdk/pki';
import { mintTestCa } from '../harness/certificates.js';

const HEX = '0123456789abcdef'.repeat(4);

test('fingerprintOfDer is sha256: + lower hex of the DER', (t) => {
  const der = Buffer.from('not really a certificate');
  t.is(fingerprintOfDer(der), `sha256:${createHash('sha256').update(der).digest('hex')}`);
  t.is(fingerprintOfDer(new Uint8Array(der)), fingerprintOfDer(der));
});

test('fingerprintOfPem hashes the first certificate of a PEM (bundle)', async (t) => {
  const a = await mintTestCa('A');
  const b = await mintTestCa('B');
  const expected = `sha256:${createHash('sha256').update(new X509Certificate(a.certPem).raw).digest('hex')}`;
  t.is(fingerprintOfPem(a.certPem), expected);
  t.is(fingerprintOfPem(a.certPem + b.certPem), expected);
  t.is(fingerprintOfPem(`some text before\n${a.certPem.replace(/\n/g, '\r\n')}`), expected);
  t.not(fingerprintOfPem(b.certPem), expected);
});

test('fingerprintOfPem refuses a PEM without a certificate, or a damaged one, with chain_invalid', async (t) => {
  const a = await mintTestCa();
  for (const pem of [
    '',
    'hello',
    '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
    a.certPem.replace(/^(-----BEGIN CERTIFICATE-----\n)(.{10})/, '$1AAAAAAAAAA'),
  ]) {
    const error = t.throws(() => fingerprintOfPem(pem));
    t.true(isOtherixError(error, 'chain_invalid'), String(error));
  }
});

test('parseFingerprint accepts sha256:, bare hex, any case, colons', (t) => {
  const canonical = `sha256:${HEX}`;
  const colons = HEX.toUpperCase().match(/../g)!.join(':');
  for (const input of [canonical, HEX, HEX.toUpperCase(), `SHA256:${HEX.toUpperCase()}`, colons, `sha256:${colons}`, `  ${canonical}\n`]) {
    t.is(parseFingerprint(input), canonical, input);
  }
});

test('parseFingerprint refuses malformed input with invalid_fingerprint naming the expected form', (t) => {
  for (const input of [
    '',
    'sha256:',
    HEX.slice(0, 62),
    `${HEX}00`,
    `sha256:${HEX.slice(0, 63)}g`,
    `md5:${HEX}`,
    `md5:${HEX.slice(0, 32)}`,
    `sha1:${HEX.slice(0, 40)}`,
    'zz'.repeat(32),
    `sha256:${HEX}:`,
  ]) {
    const error = t.throws(() => parseFingerprint(input), undefined, input);
    t.true(isOtherixError(error, 'invalid_fingerprint'), `${input}: ${String(error)}`);
    t.regex(error.message, /sha256:.*64 hex/);
  }
});

test('fingerprintsEqual normalizes both sides and tells equal from different', (t) => {
  const other = `sha256:${'f'.repeat(64)}`;
  t.true(fingerprintsEqual(`sha256:${HEX}`, HEX.toUpperCase().match(/../g)!.join(':')));
  t.true(fingerprintsEqual(HEX, `SHA256:${HEX}`));
  t.false(fingerprintsEqual(`sha256:${HEX}`, other));
  t.false(fingerprintsEqual(`sha256:${HEX}`, `sha256:${HEX.slice(0, 63)}e`));
  t.true(
    isOtherixError(
      t.throws(() => fingerprintsEqual(HEX, 'nope')),
      'invalid_fingerprint',
    ),
  );
});
