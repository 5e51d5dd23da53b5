// Node keys (ECDSA P-384) and CSRs: the SDK's CSR verifies; anything that is not a well-formed,
// correctly signed P-384 request is refused with its exact code.
import test from 'ava';
import { KeyObject, X509Certificate, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, webcrypto } from 'node:crypto';
import { isOtherixError } from '@otherix/sdk';
import {
  createCsr,
  describeKey,
  exportPrivateKeyPem,
  generateNodeKeyPair,
  importPrivateKeyPem,
  publicKeySpkiDerOf,
  verifyCsr,
} from '@otherix/sdk/pki';
import { opensslCsr } from '../harness/openssl.js';
import { loadX509 } from '../harness/x509.js';
import { mintTestCa, mintTestLeaf } from '../harness/certificates.js';

const x509 = await loadX509();

function csrDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

function csrPem(der: Uint8Array): string {
  return `-----BEGIN CERTIFICATE REQUEST-----\n${Buffer.from(der)
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END CERTIFICATE REQUEST-----\n`;
}

test('generateNodeKeyPair makes an extractable ECDSA P-384 pair', async (t) => {
  const keys = await generateNodeKeyPair();
  t.is(keys.privateKey.type, 'private');
  t.is(keys.publicKey.type, 'public');
  t.deepEqual(keys.privateKey.algorithm, { name: 'ECDSA', namedCurve: 'P-384' });
  t.true(keys.privateKey.extractable);
  t.deepEqual(describeKey(publicKeySpkiDerOf(keys)), { algorithm: 'EC', namedCurve: 'P-384' });
});

test('a private key survives PKCS#8 PEM export and import', async (t) => {
  const keys = await generateNodeKeyPair();
  const pem = await exportPrivateKeyPem(keys.privateKey);
  t.regex(pem, /^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END PRIVATE KEY-----\n$/);
  const asObject = createPrivateKey(pem);
  t.is(asObject.asymmetricKeyType, 'ec');
  t.is(asObject.asymmetricKeyDetails?.namedCurve, 'secp384r1');

  const again = await importPrivateKeyPem(pem);
  t.deepEqual(publicKeySpkiDerOf(again), publicKeySpkiDerOf(keys));
  // The re-read key signs what the original public key verifies.
  const data = new TextEncoder().encode('agent.key re-read');
  const signature = await webcrypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-384' }, again.privateKey, data);
  t.true(await webcrypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-384' }, keys.publicKey, signature, data));
  t.is(await exportPrivateKeyPem(again.privateKey), pem);
});

test('importPrivateKeyPem refuses non-P-384 and unreadable keys with unsupported_key', async (t) => {
  const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  for (const [pem, pattern] of [
    [p256, /prime256v1|P-256/],
    [rsa, /rsa/i],
    ['not a key', /PEM/],
  ] as const) {
    const error = await t.throwsAsync(importPrivateKeyPem(pem));
    t.true(isOtherixError(error, 'unsupported_key'), String(error));
    t.regex(error.message, pattern);
  }
});

test('publicKeySpkiDerOf agrees across a cert, key PEMs, KeyObjects, CryptoKeys and pairs', async (t) => {
  const ca = await mintTestCa();
  const keys = await generateNodeKeyPair();
  const leaf = await mintTestLeaf({ ca, subjectKeys: keys, uri: 'spiffe://otherix/node/n' });
  const privatePem = await exportPrivateKeyPem(keys.privateKey);
  const expected = Buffer.from(await webcrypto.subtle.exportKey('spki', keys.publicKey));
  const forms = [
    leaf.certPem,
    privatePem,
    createPublicKey(privatePem).export({ format: 'pem', type: 'spki' }) as string,
    createPrivateKey(privatePem),
    createPublicKey(privatePem),
    KeyObject.from(keys.publicKey),
    keys.publicKey,
    keys.privateKey,
    keys,
  ];
  for (const form of forms) t.deepEqual(publicKeySpkiDerOf(form), expected);
  t.deepEqual(new X509Certificate(leaf.certPem).publicKey.export({ format: 'der', type: 'spki' }), expected);
  t.true(
    isOtherixError(
      t.throws(() => publicKeySpkiDerOf('garbage')),
      'unsupported_key',
    ),
  );
});

test('an SDK CSR is PKCS#10 with CN=node name, ECDSA-SHA384, and verifies', async (t) => {
  const keys = await generateNodeKeyPair();
  const pem = await createCsr(keys, 'hv-01');
  t.regex(pem, /^-----BEGIN CERTIFICATE REQUEST-----\n/);
  const parsed = new x509.Pkcs10CertificateRequest(pem);
  t.is(parsed.subject, 'CN=hv-01');
  const algorithm = parsed.signatureAlgorithm as unknown as { name: string; hash?: { name?: string } };
  t.is(algorithm.name, 'ECDSA');
  t.is(algorithm.hash?.name, 'SHA-384');

  const verified = verifyCsr(pem);
  t.deepEqual(verified.spkiDer, publicKeySpkiDerOf(keys));
  t.is(verified.publicKey.asymmetricKeyType, 'ec');
  t.is(verified.publicKey.asymmetricKeyDetails?.namedCurve, 'secp384r1');
  // The returned KeyObject is the CSR's key: it verifies what the node key signs.
  const data = Buffer.from('proof');
  const signature = Buffer.from(await webcrypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-384' }, keys.privateKey, data));
  t.true(verify('sha384', data, { key: verified.publicKey, dsaEncoding: 'ieee-p1363' }, signature));
});

test('P-384 CSRs made by openssl verify too (SHA-384 and SHA-256 signatures)', (t) => {
  for (const digest of ['sha384', 'sha256']) {
    const verified = verifyCsr(opensslCsr('p384', digest));
    t.deepEqual(describeKey(verified.spkiDer), { algorithm: 'EC', namedCurve: 'P-384' });
  }
});

for (const [kind, found] of [
  ['rsa', /RSA/],
  ['p256', /EC P-256/],
  ['ed25519', /Ed25519/],
] as const) {
  test(`a ${kind} CSR is refused with unsupported_key naming what was found`, (t) => {
    const error = t.throws(() => verifyCsr(opensslCsr(kind)));
    t.true(isOtherixError(error, 'unsupported_key'), String(error));
    t.regex(error.message, found);
    t.regex(error.message, /P-384/);
  });
}

test('a P-256 CSR made with WebCrypto is refused with unsupported_key', async (t) => {
  const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: 'CN=p256',
    keys: keys as never,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  const refused = t.throws(() => verifyCsr(csr.toString('pem')));
  t.true(isOtherixError(refused, 'unsupported_key'), String(refused));
  t.deepEqual((refused as { details?: unknown }).details, { algorithm: 'EC', namedCurve: 'P-256' });
});

test('garbage is refused with invalid_csr', async (t) => {
  const good = csrDer(await createCsr(await generateNodeKeyPair(), 'n'));
  const ca = await mintTestCa();
  const inputs = [
    '',
    'hello',
    csrPem(Buffer.from('not der at all')),
    csrPem(good.subarray(0, good.length - 10)), // truncated
    csrPem(Buffer.concat([good, Buffer.from([0x00])])), // trailing bytes
    ca.certPem, // a certificate, not a request
    csrPem(Buffer.from(ca.certPem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64')), // a certificate inside a CSR block
  ];
  for (const input of inputs) {
    const error = t.throws(() => verifyCsr(input));
    t.true(isOtherixError(error, 'invalid_csr'), `${input.slice(0, 40)}: ${String(error)}`);
  }
});

test('a public key that is not a valid P-384 point is refused with invalid_csr', async (t) => {
  const der = Buffer.from(csrDer(await createCsr(await generateNodeKeyPair(), 'n')));
  // The uncompressed point (0x04 || X || Y) follows the P-384 OID in the SPKI; damage Y.
  const secp384r1 = Buffer.from('06052b81040022', 'hex');
  const at = der.indexOf(secp384r1) + secp384r1.length;
  t.is(der[at], 0x03); // BIT STRING
  t.is(der[at + 3], 0x04); // uncompressed point
  der[at + 3 + 96] ^= 0x01;
  const error = t.throws(() => verifyCsr(csrPem(der)));
  t.true(isOtherixError(error, 'invalid_csr'), String(error));
});

/** A CSR for `spki` (any encoding of the key), signed by `privateKey`: the request an agent would send, by hand. */
function handMadeCsr(spki: Buffer, privateKey: KeyObject): string {
  const tlv = (tag: number, content: Buffer): Buffer => {
    const n = content.length;
    const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
    return Buffer.concat([Buffer.from([tag, ...length]), content]);
  };
  const subject = Buffer.from('300c310a300806035504030c016e', 'hex'); // CN=n
  const info = tlv(0x30, Buffer.concat([Buffer.from([0x02, 0x01, 0x00]), subject, spki, Buffer.from([0xa0, 0x00])]));
  const signature = sign('sha384', info, { key: privateKey, dsaEncoding: 'der' });
  const sigAlg = Buffer.from('300a06082a8648ce3d040303', 'hex');
  return csrPem(tlv(0x30, Buffer.concat([info, sigAlg, tlv(0x03, Buffer.concat([Buffer.from([0]), signature]))])));
}

test('a P-384 key sent as a compressed point is checked on the curve and certified in uncompressed form', (t) => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const uncompressed = publicKey.export({ format: 'der', type: 'spki' });
  const point = uncompressed.subarray(uncompressed.length - 97);
  const compressed = Buffer.concat([
    Buffer.from('3046301006072a8648ce3d020106052b81040022033200', 'hex'),
    Buffer.from([0x02 | (point[96] & 1)]),
    point.subarray(1, 49),
  ]);
  t.deepEqual(verifyCsr(handMadeCsr(compressed, privateKey)).spkiDer, uncompressed);
  // The same X with the other Y (the sign bit flipped) is a valid point too, of another key: no proof of possession.
  compressed[compressed.length - 49] ^= 0x01;
  t.true(
    isOtherixError(
      t.throws(() => verifyCsr(handMadeCsr(compressed, privateKey))),
      'csr_signature_invalid',
    ),
  );
});

test('an uncompressed point whose coordinates are not below the field prime is refused with invalid_csr', (t) => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const spki = Buffer.from(publicKey.export({ format: 'der', type: 'spki' }));
  // X = p, the P-384 field prime: outside the field whatever Y is.
  Buffer.from('fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff', 'hex').copy(
    spki,
    spki.length - 96,
  );
  const error = t.throws(() => verifyCsr(handMadeCsr(spki, privateKey)));
  t.true(isOtherixError(error, 'invalid_csr'), String(error));
});

test('a flipped signature byte or a changed subject -> csr_signature_invalid', async (t) => {
  const keys = await generateNodeKeyPair();
  const good = csrDer(await createCsr(keys, 'hv-01'));

  const badSignature = Buffer.from(good);
  badSignature[badSignature.length - 1] ^= 0x01; // last byte of S
  const error = t.throws(() => verifyCsr(csrPem(badSignature)));
  t.true(isOtherixError(error, 'csr_signature_invalid'), String(error));

  const badSubject = Buffer.from(good);
  const cn = badSubject.indexOf(Buffer.from('hv-01'));
  badSubject[cn + 4] = '2'.charCodeAt(0); // 'hv-02': the signed bytes changed
  t.true(
    isOtherixError(
      t.throws(() => verifyCsr(csrPem(badSubject))),
      'csr_signature_invalid',
    ),
  );
});

test('a CSR signed by another key (no proof of possession) -> csr_signature_invalid', async (t) => {
  const mine = await generateNodeKeyPair();
  const other = await generateNodeKeyPair();
  const tbsOf = (der: Buffer): Buffer => {
    // CertificationRequestInfo: the first element of the outer SEQUENCE (long-form lengths).
    const lenBytes = der[1] & 0x7f;
    const start = 2 + (der[1] & 0x80 ? lenBytes : 0);
    const innerLenBytes = der[start + 1] & 0x80 ? der[start + 1] & 0x7f : 0;
    const innerLen = innerLenBytes === 0 ? der[start + 1] : der.readUIntBE(start + 2, innerLenBytes);
    return der.subarray(start, start + 2 + innerLenBytes + innerLen);
  };
  const der = csrDer(await createCsr(mine, 'n'));
  const tbs = tbsOf(der);
  const foreign = sign('sha384', tbs, { key: KeyObject.from(other.privateKey), dsaEncoding: 'der' });
  const sigAlg = Buffer.from('300a06082a8648ce3d040303', 'hex');
  const bitString = Buffer.concat([Buffer.from([0x03, foreign.length + 1, 0x00]), foreign]);
  const body = Buffer.concat([tbs, sigAlg, bitString]);
  const outer = Buffer.concat([Buffer.from([0x30, 0x82, body.length >> 8, body.length & 0xff]), body]);
  const error = t.throws(() => verifyCsr(csrPem(outer)));
  t.true(isOtherixError(error, 'csr_signature_invalid'), String(error));
});

test('describeKey names algorithms and curves', (t) => {
  const spki = (key: KeyObject): Buffer => key.export({ format: 'der', type: 'spki' });
  t.deepEqual(describeKey(spki(generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey)), { algorithm: 'EC', namedCurve: 'P-384' });
  t.deepEqual(describeKey(spki(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey)), { algorithm: 'EC', namedCurve: 'P-256' });
  t.deepEqual(describeKey(spki(generateKeyPairSync('ed25519').publicKey)), { algorithm: 'Ed25519' });
  t.deepEqual(describeKey(spki(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey)), { algorithm: 'RSA' });
});
