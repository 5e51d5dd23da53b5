// CA fingerprints are 'sha256:' + 64 lower-case hex of the certificate's DER. Users paste them
// in many shapes (openssl prints 'AB:CD:...'), so parsing is lenient and output is canonical.
import { X509Certificate, createHash, timingSafeEqual } from 'node:crypto';
import { OtherixError } from '../errors.js';
import { pemBlock } from './der.js';

export const FINGERPRINT_PREFIX = 'sha256:';

export function fingerprintOfDer(der: Uint8Array): string {
  return FINGERPRINT_PREFIX + createHash('sha256').update(der).digest('hex');
}

/** Fingerprint of the first CERTIFICATE block in `pem`. */
export function fingerprintOfPem(pem: string): string {
  const der = typeof pem === 'string' ? pemBlock(pem, 'CERTIFICATE') : undefined;
  if (der === undefined) {
    throw new OtherixError('chain_invalid', 'no PEM CERTIFICATE block found: expected -----BEGIN CERTIFICATE-----');
  }
  try {
    // Parse it so a damaged block is refused here rather than pinned.
    new X509Certificate(der);
  } catch (error) {
    throw new OtherixError('chain_invalid', `the PEM CERTIFICATE block is not a valid X.509 certificate: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return fingerprintOfDer(der);
}

/**
 * Accepts 'sha256:<hex>', bare hex, any case, with ':' (or spaces) between bytes; returns
 * 'sha256:<64 lower hex>'. Anything else -> invalid_fingerprint.
 */
export function parseFingerprint(input: string): string {
  const expected = 'expected sha256: followed by 64 hex digits (as printed by `otherix-server ca-fingerprint`)';
  if (typeof input !== 'string') throw new OtherixError('invalid_fingerprint', `the CA fingerprint is not a string: ${expected}`);
  // Also what `openssl x509 -fingerprint -sha256 -noout` prints: 'sha256 Fingerprint=AB:CD:...'.
  let text = input.trim().replace(/^sha256 fingerprint=/i, '');
  const algo = /^([A-Za-z0-9-]+)[:=]/.exec(text);
  if (algo !== null && !/^[0-9a-fA-F]{2}$/.test(algo[1])) {
    if (algo[1].toLowerCase() !== 'sha256') {
      throw new OtherixError('invalid_fingerprint', `the CA fingerprint uses ${algo[1]}, not sha256: ${expected}`);
    }
    text = text.slice(algo[0].length);
  }
  // Separators only between byte pairs ('AB:CD:...' as openssl prints), never stray ones.
  const separated = /[:\s]/.test(text);
  const hex = text.replace(/[:\s]/g, '');
  if (separated ? !/^[0-9a-fA-F]{2}(?:[:\s][0-9a-fA-F]{2}){31}$/.test(text) : !/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new OtherixError(
      'invalid_fingerprint',
      `the CA fingerprint ${JSON.stringify(input.length > 120 ? `${input.slice(0, 120)}...` : input)} is malformed: ${expected}`,
    );
  }
  return FINGERPRINT_PREFIX + hex.toLowerCase();
}

/** Normalizes both sides, then compares in constant time. A malformed side throws invalid_fingerprint. */
export function fingerprintsEqual(a: string, b: string): boolean {
  const left = Buffer.from(parseFingerprint(a), 'latin1');
  const right = Buffer.from(parseFingerprint(b), 'latin1');
  return left.length === right.length && timingSafeEqual(left, right);
}
