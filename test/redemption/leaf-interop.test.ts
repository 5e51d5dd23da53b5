// The leaf the CP writes, read by OpenSSL: it verifies against the cluster CA, and carries
// exactly what SPEC §4 says (CN, URI SAN, DNS/IP SANs from the request, EKUs, CA:FALSE,
// digitalSignature, 128-bit serial, one year, AKI = the CA's SKI) and nothing from the CSR.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webcrypto } from 'node:crypto';
import { loadX509 } from '../harness/x509.js';
import { api, startControlPlane } from '../harness/control-plane.js';
import type { ControlPlane } from '../harness/control-plane.js';
import { joinRequest } from '../harness/join-request.js';
import { opensslExplicitParametersCsr } from '../harness/openssl.js';

let cp: ControlPlane;
let dir: string;

test.before(async () => {
  cp = await startControlPlane();
  dir = await mkdtemp(join(tmpdir(), 'otherix-interop-'));
  await writeFile(join(dir, 'ca.crt'), cp.caPem);
});

test.after.always(async () => {
  await cp?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

/** A P-384 CSR that asks for more than it may get: another CN, a CA:true extension, a foreign SAN. */
async function greedyCsr(): Promise<string> {
  const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, ['sign', 'verify']);
  const x509 = await loadX509();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: 'CN=control-plane,O=evil',
    keys: keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-384' },
    extensions: [
      new x509.BasicConstraintsExtension(true, 2, true),
      new x509.SubjectAlternativeNameExtension([
        { type: 'url', value: 'spiffe://otherix/control-plane' },
        { type: 'dns', value: 'evil.example' },
      ]),
    ],
  });
  return csr.toString('pem');
}

test('the leaf verifies with openssl and shows the EKUs, CA:FALSE, the URI SAN and the request hosts; nothing comes from the CSR', async (t) => {
  const minted = await api(cp, 'POST', '/v1/nodes/join-tokens', { token: cp.adminToken, body: { node_name: 'interop-1' } });
  const joined = await api(cp, 'POST', '/v1/nodes/join', {
    body: joinRequest(minted.body.token, 'interop-1', await greedyCsr(), {
      advertised_endpoint: 'https://node1.interop.test:9443',
      migration: { host: '10.77.0.5', port_range_start: 49152, port_range_end: 49251 },
    }),
  });
  t.is(joined.status, 201, joined.text);
  const leafPath = join(dir, 'interop-1.crt');
  await writeFile(leafPath, joined.body.certificate_pem);

  const verified = execFileSync('openssl', ['verify', '-CAfile', join(dir, 'ca.crt'), '-purpose', 'sslclient', leafPath], {
    encoding: 'utf8',
  });
  t.regex(verified, /: OK/);
  t.regex(
    execFileSync('openssl', ['verify', '-CAfile', join(dir, 'ca.crt'), '-purpose', 'sslserver', leafPath], { encoding: 'utf8' }),
    /: OK/,
  );

  const text = execFileSync('openssl', ['x509', '-in', leafPath, '-noout', '-text'], { encoding: 'utf8' });
  t.regex(text, /Subject: CN ?= ?interop-1\n/);
  t.regex(text, /X509v3 Basic Constraints: critical\n\s+CA:FALSE/);
  t.regex(text, /X509v3 Key Usage: critical\n\s+Digital Signature\n/);
  t.regex(text, /X509v3 Extended Key Usage: \n\s+TLS Web Server Authentication, TLS Web Client Authentication/);
  t.regex(text, /URI:spiffe:\/\/otherix\/node\/interop-1/);
  t.regex(text, /DNS:node1\.interop\.test/);
  t.regex(text, /IP Address:10\.77\.0\.5/);
  t.regex(text, /X509v3 Subject Key Identifier/);
  t.regex(text, /ecdsa-with-SHA384/);
  // Nothing the CSR asked for.
  t.false(text.includes('control-plane'));
  t.false(text.includes('evil'));
  t.false(/CA:TRUE/.test(text));

  const leaf = new X509Certificate(joined.body.certificate_pem);
  const ca = new X509Certificate(cp.caPem);
  const aki = /Authority Key Identifier: \n\s+(?:keyid:)?([0-9A-F:]+)/.exec(text)?.[1];
  const caSki = /Subject Key Identifier: \n\s+([0-9A-F:]+)/.exec(
    execFileSync('openssl', ['x509', '-noout', '-text'], { input: cp.caPem, encoding: 'utf8' }),
  )?.[1];
  t.truthy(aki);
  t.is(aki, caSki);
  t.true(leaf.serialNumber.replace(/^0+/, '').length <= 32); // 128 bits (a set top bit adds a 00 octet, stripped here)
  // The CP's node-certificate lifetime (30 days by default) from signing; notBefore is an hour before signing.
  t.is(Date.parse(leaf.validTo) - Date.parse(leaf.validFrom), 30 * 86_400_000 + 3_600_000);
  t.true(leaf.checkIssued(ca));
});

test('serials are random and distinct', async (t) => {
  const minted = await api(cp, 'POST', '/v1/nodes/join-tokens', { token: cp.adminToken, body: {} });
  const csr = await greedyCsr();
  const serials = new Set<string>();
  for (let i = 0; i < 5; i++) {
    const joined = await api(cp, 'POST', '/v1/nodes/join', { body: joinRequest(minted.body.token, `serial-${i}`, csr) });
    serials.add(joined.body.node.certificate.serial);
  }
  t.is(serials.size, 5);
});

// Issue 12: the leaf's key is re-encoded, never copied from the CSR.
test('a P-384 key given with explicit curve parameters is certified as the named curve (RFC 5480)', async (t) => {
  const { csrPem, namedSpkiDer, explicitSpkiDer } = opensslExplicitParametersCsr('secp384r1');
  const csrText = execFileSync('openssl', ['req', '-noout', '-text'], { input: csrPem, encoding: 'utf8' });
  t.regex(csrText, /Field Type: prime-field/, 'the CSR really carries explicit parameters');
  t.notDeepEqual(explicitSpkiDer, namedSpkiDer);

  const minted = await api(cp, 'POST', '/v1/nodes/join-tokens', { token: cp.adminToken, body: { node_name: 'explicit-params' } });
  const joined = await api(cp, 'POST', '/v1/nodes/join', { body: joinRequest(minted.body.token, 'explicit-params', csrPem) });
  t.is(joined.status, 201, joined.text);

  const leafText = execFileSync('openssl', ['x509', '-noout', '-text'], { input: joined.body.certificate_pem, encoding: 'utf8' });
  t.regex(leafText, /ASN1 OID: secp384r1/);
  t.notRegex(leafText, /prime-field|Generator|Cofactor/);
  // The same key, in the named form: byte for byte what openssl writes for it.
  const leafSpki = new X509Certificate(joined.body.certificate_pem).publicKey.export({ format: 'der', type: 'spki' });
  t.deepEqual(leafSpki, namedSpkiDer);
  const leafPath = join(dir, 'explicit-params.crt');
  await writeFile(leafPath, joined.body.certificate_pem);
  t.regex(execFileSync('openssl', ['verify', '-CAfile', join(dir, 'ca.crt'), leafPath], { encoding: 'utf8' }), /: OK/);
});

test('explicit parameters of another curve are refused with unsupported_key', async (t) => {
  const { csrPem } = opensslExplicitParametersCsr('prime256v1');
  const minted = await api(cp, 'POST', '/v1/nodes/join-tokens', { token: cp.adminToken, body: { node_name: 'explicit-p256' } });
  const joined = await api(cp, 'POST', '/v1/nodes/join', { body: joinRequest(minted.body.token, 'explicit-p256', csrPem) });
  t.is(joined.status, 400, joined.text);
  t.is(joined.body.error.code, 'validation_failed');
  t.is(joined.body.error.details.problem, 'unsupported_key');
});
