// Certificates for the SDK's own unit tests, minted with @peculiar/x509 on node's WebCrypto
// (real P-384 keys and signatures): a CA, and leaves with a chosen key, URI SAN and validity.
import { webcrypto } from 'node:crypto';
import { generateNodeKeyPair, loadX509 } from '@otherix/sdk';
import type { NodeKeyPair } from '@otherix/sdk';

const x509 = await loadX509();

type GeneratorKeys = Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'];
type GeneratorKey = Parameters<typeof x509.X509CertificateGenerator.create>[0] extends infer P
  ? P extends { signingKey: infer K } ? K : never
  : never;

const HOUR = 3_600_000;

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
    keys: keys as unknown as GeneratorKeys,
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
    serialNumber: webcrypto.getRandomValues(new Uint8Array(8)).reduce((s, b) => s + b.toString(16).padStart(2, '0'), '7f'),
    subject: 'CN=leaf',
    issuer: caCert.subject,
    notBefore: options.notBefore ?? new Date(Date.now() - HOUR),
    notAfter: options.notAfter ?? new Date(Date.now() + HOUR),
    publicKey: keys.publicKey as unknown as GeneratorKey,
    signingKey: options.ca.keys.privateKey as unknown as GeneratorKey,
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
