// The CP's DER certificate writer (server/src/pki) read back by node:crypto and OpenSSL: IPv6
// and IPv4-mapped SANs, X.509 times on both sides of 2050 (UTCTime / GeneralizedTime), serial
// form, and a leaf for the CP's own client identity.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { ClusterCa, normalizeSerial, sansForHosts } from '@otherix/server';

const spki = (): Buffer => generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'der', type: 'spki' });

test('IPv6, IPv4-mapped, bracketed and upper-case hosts become the right SANs', async (t) => {
  const { ca } = await ClusterCa.create(Date.now());
  const issued = await ca.issueNodeCertificate({
    nodeName: 'v6-node',
    spkiDer: spki(),
    hosts: ['[2001:DB8::1]', '::ffff:192.0.2.7', 'fe80::1:2', 'Node.Example.TEST', '198.51.100.4'],
    now: Date.now(),
  });
  const cert = new X509Certificate(issued.certPem);
  t.true(cert.verify(new X509Certificate(ca.certPem).publicKey));
  const sans = cert.subjectAltName ?? '';
  t.true(sans.includes('URI:spiffe://otherix/node/v6-node'));
  t.true(sans.includes('DNS:node.example.test'));
  t.true(sans.includes('IP Address:198.51.100.4'));
  t.true(sans.includes('IP Address:2001:DB8:0:0:0:0:0:1'), sans);
  t.true(sans.includes('IP Address:FE80:0:0:0:0:0:1:2'), sans);
  t.true(sans.includes('IP Address:0:0:0:0:0:FFFF:C000:207'), sans);
  t.true(cert.checkIP('2001:db8::1') !== undefined);
  t.deepEqual(sansForHosts(['A.example', 'a.example', '[::1]', '::1']), { dns: ['a.example'], ip: ['::1'] });
});

test('validity past 2049 is written as GeneralizedTime and read back exactly', async (t) => {
  const { ca } = await ClusterCa.create(Date.now());
  const now = Date.UTC(2049, 11, 31, 23, 0, 0);
  const issued = await ca.issue({
    commonName: 'far-future',
    spkiDer: spki(),
    subjectAltNames: { dns: ['far.example'] },
    extendedKeyUsage: ['clientAuth'],
    now,
    validityMs: 2 * 3600 * 1000,
  });
  const cert = new X509Certificate(issued.certPem);
  t.is(new Date(cert.validTo).toISOString(), '2050-01-01T01:00:00.000Z');
  t.is(issued.notAfter, Date.UTC(2050, 0, 1, 1, 0, 0));
  const asn1 = execFileSync('openssl', ['asn1parse'], { input: issued.certPem, encoding: 'utf8' });
  // notBefore is an hour before `now` (CERTIFICATE_BACKDATE_MS), still in UTCTime's range.
  t.regex(asn1, /UTCTIME\s+:491231220000Z/);
  t.regex(asn1, /GENERALIZEDTIME\s+:20500101010000Z/);
});

test('serials are 128 random bits (the top bit varies), positive INTEGERs, lower-case hex in the API; normalizeSerial matches node:crypto', async (t) => {
  const { ca } = await ClusterCa.create(Date.now());
  const topBits = new Set<boolean>();
  for (let i = 0; i < 64; i++) {
    const issued = await ca.issueNodeCertificate({ nodeName: 'serial', spkiDer: spki(), hosts: [], now: Date.now() });
    t.regex(issued.serial, /^[1-9a-f][0-9a-f]{0,31}$/);
    const topBit = issued.serial.length === 32 && parseInt(issued.serial[0], 16) >= 8;
    topBits.add(topBit);
    t.is(normalizeSerial(new X509Certificate(issued.certPem).serialNumber), issued.serial);
    // The DER INTEGER: 17 octets with a 0x00 first when the top bit is set (else it would read as negative).
    const asn1 = execFileSync('openssl', ['asn1parse', '-i'], { input: issued.certPem, encoding: 'utf8' });
    const integer = /^\s*\d+:d=2\s+hl=2\s+l=\s*(\d+)\s+prim:\s+INTEGER\s+:([0-9A-F]+)$/m.exec(asn1);
    t.truthy(integer, asn1);
    t.is(integer![2].toLowerCase(), issued.serial.padStart(integer![2].length, '0'));
    if (topBit) t.is(Number(integer![1]), 17);
    else t.true(Number(integer![1]) <= 16);
  }
  // 64 draws: both halves appear unless the generator pins the top bit (2^-63 chance otherwise).
  t.deepEqual([...topBits].sort(), [false, true]);
  t.is(normalizeSerial('00A1B2'), 'a1b2');
  t.is(normalizeSerial('0'), '0');
});

test('a CA reloaded from PEM signs leaves that chain to the same certificate', async (t) => {
  const { ca, material } = await ClusterCa.create(Date.now());
  const reloaded = ClusterCa.fromPem(material);
  t.is(reloaded.fingerprint, ca.fingerprint);
  const issued = await reloaded.issueNodeCertificate({ nodeName: 'reload', spkiDer: spki(), hosts: ['10.0.0.1'], now: Date.now() });
  t.true(new X509Certificate(issued.certPem).checkIssued(new X509Certificate(ca.certPem)));
  const other = await ClusterCa.create(Date.now());
  t.throws(() => ClusterCa.fromPem({ certPem: material.certPem, keyPem: other.material.keyPem }), {
    message: /not a CA certificate for ca\.key/,
  });
});
