// Certificates minted by the tests themselves with @peculiar/x509 on node's WebCrypto (real P-384
// keys and signatures): a CA and leaves with a chosen key, URI SAN and validity (the SDK's unit
// tests), and node certificates that this cluster's CA never issued (the CP must refuse them).
import { webcrypto } from 'node:crypto';
import { exportPrivateKeyPem, generateNodeKeyPair, nodeSpiffeId } from '@otherix/sdk/pki';
import { loadX509 } from './x509.js';
import type { NodeKeyPair } from '@otherix/sdk/pki';
import type { KeyPairPem } from '@otherix/server';

const x509 = await loadX509();

const HOUR = 3_600_000;

/** A random serial in hex, `bytes` long, starting with `lead` (which keeps it positive). */
function randomSerial(lead: string, bytes: number): string {
  return webcrypto.getRandomValues(new Uint8Array(bytes)).reduce((s, b) => s + b.toString(16).padStart(2, '0'), lead);
}

export interface TestCa {
  keys: NodeKeyPair;
  certPem: string;
}

export async function mintTestCa(commonName = 'otherix test CA'): Promise<TestCa> {
  const keys = await generateNodeKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${commonName}`,
    notBefore: new Date(Date.now() - HOUR),
    notAfter: new Date(Date.now() + 24 * HOUR),
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-384' },
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return { keys, certPem: cert.toString('pem') + '\n' };
}

export interface LeafOptions {
  ca: TestCa;
  /** The key the leaf certifies; a fresh P-384 key when absent. */
  subjectKeys?: NodeKeyPair;
  uri: string;
  notBefore?: Date;
  notAfter?: Date;
}

export async function mintTestLeaf(options: LeafOptions): Promise<{ certPem: string; keys: NodeKeyPair }> {
  const keys = options.subjectKeys ?? (await generateNodeKeyPair());
  const caCert = new x509.X509Certificate(options.ca.certPem);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial('7f', 8),
    subject: 'CN=leaf',
    issuer: caCert.subject,
    notBefore: options.notBefore ?? new Date(Date.now() - HOUR),
    notAfter: options.notAfter ?? new Date(Date.now() + HOUR),
    publicKey: keys.publicKey,
    signingKey: options.ca.keys.privateKey,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-384' },
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.SubjectAlternativeNameExtension([
        { type: 'url', value: options.uri },
        { type: 'dns', value: 'localhost' },
        { type: 'ip', value: '127.0.0.1' },
      ]),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keys };
}

/**
 * A certificate naming the node (URI SAN spiffe://otherix/node/<name>, clientAuth) that this
 * cluster's CA never issued: self-signed, or signed by a foreign CA; optionally with the serial
 * of the node's real certificate, so only the chain can tell them apart.
 */
export async function impostorCertificate(name: string, options: { serial?: string; foreignCa?: boolean } = {}): Promise<KeyPairPem> {
  const keys = await generateNodeKeyPair();
  const signer = options.foreignCa === true ? await generateNodeKeyPair() : keys;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: options.serial ?? randomSerial('4', 16).slice(0, 32),
    subject: `CN=${name}`,
    issuer: options.foreignCa === true ? 'CN=Otherix cluster CA, O=Otherix' : `CN=${name}`,
    notBefore: new Date(Date.now() - HOUR),
    notAfter: new Date(Date.now() + 24 * HOUR),
    publicKey: keys.publicKey,
    signingKey: signer.privateKey,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-384' },
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'url', value: nodeSpiffeId(name) },
        { type: 'ip', value: '127.0.0.1' },
      ]),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await exportPrivateKeyPem(keys) };
}
