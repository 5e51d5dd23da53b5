// Node keys: ECDSA P-384 on WebCrypto (node's, so OpenSSL underneath). The private key never
// leaves the node; it is exported only to be written to agent.key (0600).
import { createPrivateKey, createPublicKey, webcrypto, X509Certificate, KeyObject } from 'node:crypto';
import { OtherixError } from '../errors.js';
import { pemBlock, toPem } from './der.js';

// The SDK compiles without the DOM lib, so WebCrypto's types come from node:crypto.
type CryptoKey = webcrypto.CryptoKey;

export interface NodeKeyPair {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

export const NODE_KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-384' } as const;

const subtle = webcrypto.subtle;

export async function generateNodeKeyPair(): Promise<NodeKeyPair> {
  const pair = await subtle.generateKey(NODE_KEY_ALGORITHM, true, ['sign', 'verify']);
  return { privateKey: pair.privateKey, publicKey: pair.publicKey };
}

/** PKCS#8 PEM ('-----BEGIN PRIVATE KEY-----'). */
export async function exportPrivateKeyPem(key: CryptoKey | NodeKeyPair): Promise<string> {
  const der = new Uint8Array(await subtle.exportKey('pkcs8', isKeyPair(key) ? key.privateKey : key));
  return toPem('PRIVATE KEY', der);
}

/** Re-reads a node key (agent.key); the public half is derived from the private one. */
export async function importPrivateKeyPem(pem: string): Promise<NodeKeyPair> {
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey(pem);
  } catch (error) {
    throw new OtherixError(
      'unsupported_key',
      `the private key is not a readable PEM key: ${(error as Error).message}; expected a PKCS#8 ECDSA P-384 key`,
      { cause: error },
    );
  }
  const details = keyObject.asymmetricKeyDetails;
  if (keyObject.asymmetricKeyType !== 'ec' || details?.namedCurve !== 'secp384r1') {
    const found =
      keyObject.asymmetricKeyType === 'ec' ? `EC ${details?.namedCurve ?? 'unknown curve'}` : String(keyObject.asymmetricKeyType);
    throw new OtherixError('unsupported_key', `the private key is ${found}, not ECDSA P-384: node keys must be P-384`);
  }
  const pkcs8 = keyObject.export({ format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(keyObject).export({ format: 'der', type: 'spki' });
  const privateKey = await subtle.importKey('pkcs8', pkcs8, NODE_KEY_ALGORITHM, true, ['sign']);
  const publicKey = await subtle.importKey('spki', spki, NODE_KEY_ALGORITHM, true, ['verify']);
  return { privateKey, publicKey };
}

function isKeyPair(value: unknown): value is NodeKeyPair {
  return typeof value === 'object' && value !== null && 'privateKey' in value && 'publicKey' in value;
}

/**
 * SubjectPublicKeyInfo DER of a certificate PEM, a public/private key PEM, a KeyObject, or (sync,
 * through KeyObject.from) a WebCrypto key or NodeKeyPair.
 */
export function publicKeySpkiDerOf(pemOrKey: string | KeyObject | CryptoKey | NodeKeyPair): Buffer {
  try {
    if (isKeyPair(pemOrKey)) pemOrKey = KeyObject.from(pemOrKey.publicKey);
    else if (typeof pemOrKey === 'object' && !(pemOrKey instanceof KeyObject)) pemOrKey = KeyObject.from(pemOrKey);
    if (pemOrKey instanceof KeyObject) {
      const pub = pemOrKey.type === 'private' ? createPublicKey(pemOrKey) : pemOrKey;
      return pub.export({ format: 'der', type: 'spki' });
    }
    if (pemOrKey.includes('-----BEGIN CERTIFICATE-----')) {
      return new X509Certificate(pemOrKey).publicKey.export({ format: 'der', type: 'spki' });
    }
    const csr = pemBlock(pemOrKey, 'CERTIFICATE REQUEST');
    if (csr !== undefined) {
      throw new OtherixError('usage', 'publicKeySpkiDerOf was given a CSR: use verifyCsr(csrPem).spkiDer');
    }
    return createPublicKey(pemOrKey).export({ format: 'der', type: 'spki' });
  } catch (error) {
    if (error instanceof OtherixError) throw error;
    throw new OtherixError('unsupported_key', `cannot read a public key from the given PEM: ${(error as Error).message}`, { cause: error });
  }
}
