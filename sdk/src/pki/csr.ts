// Certificate signing requests (PKCS#10). createCsr runs on the node; verifyCsr is the CP's hot
// path (SPEC: >= 500 joins/s), so it walks the DER itself and verifies with node:crypto (OpenSSL).
// Only the key and the proof of possession are used: subject and extensions are never trusted.
import { createPublicKey, KeyObject, sign, verify, webcrypto } from 'node:crypto';
import { p384 } from '@noble/curves/nist.js';
import { OtherixError } from '../errors.js';
import { derChildren, derOid, invalidDer, pemBlock, readDer, toPem, type DerNode } from './der.js';
import type { NodeKeyPair } from './keys.js';

export interface VerifiedCsr {
  publicKey: KeyObject;
  spkiDer: Buffer;
}

// createCsr writes its few DER elements itself: loading @peculiar/x509 for them cost the
// bootstrap (SPEC §7: < 500 ms, process start to exit) ~0.2 s of CPU in module loading alone.
function tlv(tag: number, content: Uint8Array): Buffer {
  const n = content.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...length]), content]);
}
const OID_COMMON_NAME = Buffer.from([0x06, 0x03, 0x55, 0x04, 0x03]);
/** AlgorithmIdentifier ecdsa-with-SHA384 (1.2.840.10045.4.3.3), no parameters (RFC 5758). */
const ECDSA_WITH_SHA384 = Buffer.from([0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03]);
const VERSION_1 = Buffer.from([0x02, 0x01, 0x00]);
const NO_ATTRIBUTES = Buffer.from([0xa0, 0x00]);

/** PKCS#10 PEM with CN=nodeName, signed with ECDSA-SHA384 by the node key (proof of possession). */
export async function createCsr(keys: NodeKeyPair, nodeName: string): Promise<string> {
  const spki = Buffer.from(await webcrypto.subtle.exportKey('spki', keys.publicKey));
  const subject = tlv(0x30, tlv(0x31, tlv(0x30, Buffer.concat([OID_COMMON_NAME, tlv(0x0c, Buffer.from(nodeName, 'utf8'))]))));
  const info = tlv(0x30, Buffer.concat([VERSION_1, subject, spki, NO_ATTRIBUTES]));
  const signature = await new Promise<Buffer>((resolve, reject) =>
    sign('sha384', info, { key: KeyObject.from(keys.privateKey), dsaEncoding: 'der' }, (error, signed) =>
      error === null ? resolve(signed) : reject(error),
    ),
  );
  const bits = tlv(0x03, Buffer.concat([Buffer.from([0]), signature]));
  return toPem('CERTIFICATE REQUEST', tlv(0x30, Buffer.concat([info, ECDSA_WITH_SHA384, bits])));
}

const ECDSA_SIGNATURE_HASH: Record<string, string> = {
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};

const KEY_NAMES: Record<string, string> = {
  rsa: 'RSA',
  'rsa-pss': 'RSA-PSS',
  dsa: 'DSA',
  ec: 'EC',
  ed25519: 'Ed25519',
  ed448: 'Ed448',
  x25519: 'X25519',
  x448: 'X448',
  dh: 'DH',
};

const CURVE_NAMES: Record<string, string> = {
  secp384r1: 'P-384',
  prime256v1: 'P-256',
  secp521r1: 'P-521',
  secp256k1: 'secp256k1',
};

/** What kind of key an SPKI holds, for messages and tests: {algorithm: 'EC', namedCurve: 'P-384'}. */
export function describeKey(spkiDer: Buffer): { algorithm: string; namedCurve?: string } {
  const key = createPublicKey({ key: spkiDer, format: 'der', type: 'spki' });
  const type = key.asymmetricKeyType ?? 'unknown';
  const algorithm = KEY_NAMES[type] ?? type;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return curve === undefined ? { algorithm } : { algorithm, namedCurve: CURVE_NAMES[curve] ?? curve };
}

function invalidCsr(why: string, cause?: unknown): OtherixError {
  return new OtherixError(
    'invalid_csr',
    `the CSR is not a valid PKCS#10 request: ${why}; send the PEM made by otherix-agent (ECDSA P-384)`,
    cause === undefined ? undefined : { cause },
  );
}

interface CsrParts {
  tbs: Buffer;
  spkiDer: Buffer;
  sigAlgOid: string;
  signature: Buffer;
}

function splitCsr(csrPem: string): CsrParts {
  if (typeof csrPem !== 'string') throw invalidCsr('not a string');
  const der = pemBlock(csrPem, 'CERTIFICATE REQUEST') ?? pemBlock(csrPem, 'NEW CERTIFICATE REQUEST');
  if (der === undefined) throw invalidCsr('no -----BEGIN CERTIFICATE REQUEST----- block');
  try {
    const outer = readDer(der, 0);
    if (outer.tag !== 0x30 || outer.end !== der.length) throw invalidDer('not a single SEQUENCE');
    const [info, sigAlg, sigBits, ...extra] = derChildren(der, outer);
    if (!info || !sigAlg || !sigBits || extra.length > 0) throw invalidDer('expected 3 elements');
    if (info.tag !== 0x30 || sigAlg.tag !== 0x30 || sigBits.tag !== 0x03) throw invalidDer('unexpected element types');
    const infoParts = derChildren(der, info);
    const [version, subject, spki] = infoParts as [DerNode?, DerNode?, DerNode?];
    if (!version || version.tag !== 0x02 || !subject || subject.tag !== 0x30 || !spki || spki.tag !== 0x30) {
      throw invalidDer('malformed CertificationRequestInfo');
    }
    const algParts = derChildren(der, sigAlg);
    if (!algParts[0]) throw invalidDer('empty signature algorithm');
    const sigAlgOid = derOid(der, algParts[0]);
    if (der[sigBits.contentStart] !== 0) throw invalidDer('signature BIT STRING has unused bits');
    return {
      tbs: der.subarray(info.start, info.end),
      spkiDer: der.subarray(spki.start, spki.end),
      sigAlgOid,
      signature: der.subarray(sigBits.contentStart + 1, sigBits.end),
    };
  } catch (error) {
    throw invalidCsr((error as Error).message, error);
  }
}

/** The raw public point inside an SPKI (the BIT STRING content after its unused-bits byte). */
function spkiPoint(spkiDer: Buffer): Buffer {
  const outer = readDer(spkiDer, 0);
  const [, bits] = derChildren(spkiDer, outer);
  if (!bits || bits.tag !== 0x03) throw invalidDer('SubjectPublicKeyInfo without a BIT STRING');
  return spkiDer.subarray(bits.contentStart + 1, bits.end);
}

/** P-384 (SEC 2, FIPS 186-5): the field prime p and the coefficient b of y^2 = x^3 - 3x + b. */
const P384_P = 2n ** 384n - 2n ** 128n - 2n ** 96n + 2n ** 32n - 1n;
const P384_B = 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn;

/**
 * An uncompressed point (0x04 || X || Y, what every agent sends) on P-384: X and Y below p and
 * y^2 = x^3 - 3x + b (mod p). P-384's cofactor is 1, so a point on the curve is in the group;
 * 0x04 cannot encode the point at infinity. A few BigInt products: about a tenth of what
 * noble's Point.fromBytes + assertValidity + toBytes cost on this path.
 */
function isUncompressedP384Point(point: Buffer): boolean {
  if (point.length !== 97 || point[0] !== 0x04) return false;
  const x = BigInt(`0x${point.toString('hex', 1, 49)}`);
  const y = BigInt(`0x${point.toString('hex', 49, 97)}`);
  if (x >= P384_P || y >= P384_P) return false;
  return (y * y - (x * x * x - 3n * x + P384_B)) % P384_P === 0n;
}

/**
 * The CSR's point, checked to be on P-384, in uncompressed form. Any other encoding (a compressed
 * point) goes through noble (pure JS), which decompresses and checks it.
 */
function validP384Point(encoded: Buffer): Uint8Array {
  if (encoded[0] === 0x04) {
    if (isUncompressedP384Point(encoded)) return encoded;
    throw invalidCsr('its public key is not a valid P-384 point');
  }
  try {
    const parsed = p384.Point.fromBytes(encoded);
    parsed.assertValidity();
    return parsed.toBytes(false);
  } catch (error) {
    throw invalidCsr('its public key is not a valid P-384 point', error);
  }
}

interface CheckedCsr {
  /** The key in RFC 5480 named-curve form (what verifies the signature and what is certified). */
  publicKey: KeyObject;
  spkiDer: Buffer;
  parts: CsrParts;
  hash: string;
}

/** Everything but the signature check: structure, EC P-384 key, point on the curve, ECDSA-SHA2. */
function checkCsr(csrPem: string): CheckedCsr {
  const parts = splitCsr(csrPem);
  // Importing an EC public key into OpenSSL costs about a P-384 verify (it validates the point):
  // the key every agent sends, already in RFC 5480 form, is imported once (below), not twice.
  if (!isNamedP384Spki(parts.spkiDer)) assertP384Key(parts.spkiDer);
  // Independent of OpenSSL, the point is checked to be on P-384 before the CP certifies it.
  const point = validP384Point(spkiPoint(parts.spkiDer));
  const hash = ECDSA_SIGNATURE_HASH[parts.sigAlgOid];
  if (hash === undefined) throw invalidCsr(`signature algorithm ${parts.sigAlgOid} is not ECDSA with SHA-2`);
  // Re-encoded, never copied: the key goes on in RFC 5480 form whatever form the CSR held it in
  // (explicit curve parameters that OpenSSL recognised as P-384, a compressed point).
  const spkiDer = Buffer.concat([P384_SPKI_PREFIX, point]);
  return { publicKey: createPublicKey({ key: spkiDer, format: 'der', type: 'spki' }), spkiDer, parts, hash };
}

/** An SPKI that is byte for byte RFC 5480's named-curve P-384 form with an uncompressed point. */
function isNamedP384Spki(spkiDer: Buffer): boolean {
  return spkiDer.length === P384_SPKI_PREFIX.length + 97 && spkiDer.subarray(0, P384_SPKI_PREFIX.length).equals(P384_SPKI_PREFIX);
}

/**
 * Any other form of key is read by OpenSSL: it may be P-384 in another encoding (explicit curve
 * parameters, a compressed point), which is re-encoded; anything else is `unsupported_key`.
 */
function assertP384Key(spkiDer: Buffer): void {
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: spkiDer, format: 'der', type: 'spki' });
  } catch (error) {
    throw invalidCsr(`its public key cannot be read (${(error as Error).message})`, error);
  }
  if (publicKey.asymmetricKeyType !== 'ec' || publicKey.asymmetricKeyDetails?.namedCurve !== 'secp384r1') {
    const found = describeKey(spkiDer);
    const name = found.namedCurve === undefined ? found.algorithm : `${found.algorithm} ${found.namedCurve}`;
    throw new OtherixError('unsupported_key', `the CSR holds an ${name} key: Otherix node keys must be ECDSA P-384`, {
      details: { algorithm: found.algorithm, ...(found.namedCurve === undefined ? {} : { namedCurve: found.namedCurve }) },
    });
  }
}

/**
 * SubjectPublicKeyInfo up to the point (RFC 5480): SEQUENCE { SEQUENCE { id-ecPublicKey,
 * namedCurve secp384r1 }, BIT STRING (no unused bits) }, followed by the 97-byte uncompressed point.
 */
const P384_SPKI_PREFIX = Buffer.from('3076301006072a8648ce3d020106052b81040022036200', 'hex');

function verifiedOrThrow(checked: CheckedCsr, valid: boolean): VerifiedCsr {
  if (!valid) {
    throw new OtherixError(
      'csr_signature_invalid',
      'the CSR signature does not verify with its own key (no proof of possession): create a fresh CSR with the node key',
    );
  }
  return { publicKey: checked.publicKey, spkiDer: checked.spkiDer };
}

/**
 * Parses and verifies a PKCS#10 CSR synchronously. EC P-384 only ('unsupported_key' names what
 * was found), signature verified by OpenSSL over the CertificationRequestInfo bytes.
 */
export function verifyCsr(csrPem: string): VerifiedCsr {
  const checked = checkCsr(csrPem);
  let valid: boolean;
  try {
    valid = verify(checked.hash, checked.parts.tbs, { key: checked.publicKey, dsaEncoding: 'der' }, checked.parts.signature);
  } catch {
    valid = false;
  }
  return verifiedOrThrow(checked, valid);
}

/**
 * verifyCsr with the signature check on libuv's thread pool (node:crypto's callback form): the
 * CP's join path, so the ECDSA verification neither blocks the event loop nor stays on one core.
 * Same checks, same error codes.
 */
export async function verifyCsrAsync(csrPem: string): Promise<VerifiedCsr> {
  const checked = checkCsr(csrPem);
  const valid = await new Promise<boolean>((resolve) => {
    try {
      verify(checked.hash, checked.parts.tbs, { key: checked.publicKey, dsaEncoding: 'der' }, checked.parts.signature, (error, ok) =>
        resolve(error === null && ok),
      );
    } catch {
      resolve(false);
    }
  });
  return verifiedOrThrow(checked, valid);
}
