// Join requests for tests: real P-384 keys and CSRs (the SDK's, as the agent makes them), plus
// the wrong kinds of CSR the CP must refuse.
import { webcrypto } from 'node:crypto';
import { createCsr, exportPrivateKeyPem, generateNodeKeyPair } from '@otherix/sdk/pki';
import { loadX509 } from './x509.js';
import type { components } from '@otherix/sdk';

export type JoinRequest = components['schemas']['JoinRequest'];

export interface NodeKeyMaterial {
  csrPem: string;
  keyPem: string;
}

export async function nodeCsr(nodeName: string): Promise<NodeKeyMaterial> {
  const keys = await generateNodeKeyPair();
  return { csrPem: await createCsr(keys, nodeName), keyPem: await exportPrivateKeyPem(keys) };
}

/** A join body for `token` and `nodeName` on loopback addresses (which never collide). */
export function joinRequest(token: string, nodeName: string, csrPem: string, overrides: Partial<JoinRequest> = {}): JoinRequest {
  return {
    token,
    node_name: nodeName,
    csr_pem: csrPem,
    advertised_endpoint: 'https://127.0.0.1:9443',
    migration: { host: '127.0.0.1', port_range_start: 49152, port_range_end: 49251 },
    architecture: 'amd64',
    agent_version: '0.1.0-test',
    ...overrides,
  };
}

type KeyParams = webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams;

/** A CSR signed by a key of another kind: RSA 2048 or ECDSA P-256. */
export async function foreignCsr(kind: 'rsa' | 'p256'): Promise<string> {
  const algorithm: KeyParams =
    kind === 'rsa'
      ? { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }
      : { name: 'ECDSA', namedCurve: 'P-256' };
  const keys = await webcrypto.subtle.generateKey(algorithm, false, ['sign', 'verify']);
  const x509 = await loadX509();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: 'CN=intruder',
    keys: keys,
    signingAlgorithm: kind === 'rsa' ? algorithm : { name: 'ECDSA', hash: 'SHA-256' },
  });
  return csr.toString('pem');
}

/** A P-384 CSR whose signature no longer matches its content (one signature byte flipped). */
export async function tamperedCsr(nodeName: string): Promise<string> {
  const { csrPem } = await nodeCsr(nodeName);
  const der = Buffer.from(csrPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  der[der.length - 5] ^= 0x01;
  const lines = der.toString('base64').match(/.{1,64}/g)!;
  return `-----BEGIN CERTIFICATE REQUEST-----\n${lines.join('\n')}\n-----END CERTIFICATE REQUEST-----\n`;
}

/**
 * Options bootstrapNode/resolveBootstrapOptions accept as they are (a well-formed token that was
 * never minted, a CP URL nothing answers): a test changes the one field it is about.
 */
export const BOOTSTRAP_OPTIONS = {
  token: `otx_join_${'A'.repeat(43)}`,
  caFingerprint: `sha256:${'ab'.repeat(32)}`,
  cpUrl: 'https://127.0.0.1:1',
  nodeName: 'node-1',
  advertisedEndpoint: 'https://127.0.0.1:9443',
  migrationHost: '127.0.0.1',
} as const;
