// A minimal DER encoder (and the two reads the CA needs, through the SDK's DER reader) for
// writing X.509 certificates with node:crypto: the join's hot path signs a leaf per redemption,
// and building the TBSCertificate by hand keeps that on OpenSSL without a WebCrypto round trip
// (SPEC §7).
import { derChildren, readDer } from '@otherix/sdk/pki';

function lengthBytes(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([tag]), lengthBytes(content.length), content]);
}

export const sequence = (...items: Uint8Array[]): Buffer => tlv(0x30, Buffer.concat(items));
export const set = (...items: Uint8Array[]): Buffer => tlv(0x31, Buffer.concat(items));
export const octetString = (content: Uint8Array): Buffer => tlv(0x04, content);
export const bitString = (content: Uint8Array, unusedBits = 0): Buffer => tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), content]));
export const utf8String = (text: string): Buffer => tlv(0x0c, Buffer.from(text, 'utf8'));
export const boolean = (value: boolean): Buffer => tlv(0x01, Buffer.from([value ? 0xff : 0x00]));
/** Context-specific tag `n`, constructed (explicit tagging) or primitive (implicit). */
export const contextTag = (n: number, content: Uint8Array, constructed: boolean): Buffer => tlv((constructed ? 0xa0 : 0x80) | n, content);

/** A non-negative INTEGER from big-endian bytes (leading zeros trimmed, 0x00 added when the high bit is set). */
export function unsignedInteger(bytes: Uint8Array): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = Buffer.from(bytes.subarray(start));
  return tlv(0x02, (trimmed[0] & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

export const smallInteger = (value: number): Buffer => unsignedInteger(Buffer.from([value]));

export function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out: number[] = [40 * parts[0] + parts[1]];
  for (const part of parts.slice(2)) {
    const chunk: number[] = [part & 0x7f];
    for (let n = Math.floor(part / 128); n > 0; n = Math.floor(n / 128)) chunk.unshift((n & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** X.509 Time: UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5). */
export function time(ms: number): Buffer {
  const iso = new Date(Math.floor(ms / 1000) * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z
  const digits = iso.slice(0, 19).replace(/[-:T]/g, '') + 'Z';
  const year = Number(iso.slice(0, 4));
  return year < 2050 ? tlv(0x17, Buffer.from(digits.slice(2), 'ascii')) : tlv(0x18, Buffer.from(digits, 'ascii'));
}

/** The DER of a certificate's subject Name: the issuer of everything the CA signs. */
export function subjectNameOf(certDer: Buffer): Buffer {
  const tbs = derChildren(certDer, readDer(certDer, 0))[0];
  const fields = derChildren(certDer, tbs);
  const offset = fields[0].tag === 0xa0 ? 1 : 0; // explicit [0] version is optional
  const subject = fields[offset + 4]; // serial, signature, issuer, validity, subject
  return certDer.subarray(subject.start, subject.end);
}

/** The subjectPublicKey bits of an SPKI (without the unused-bits byte): what a key id hashes. */
export function publicKeyBitsOf(spkiDer: Buffer): Buffer {
  const bits = derChildren(spkiDer, readDer(spkiDer, 0))[1];
  return spkiDer.subarray(bits.contentStart + 1, bits.end);
}
