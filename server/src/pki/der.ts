// A minimal DER encoder (and the two reads the CA needs, through the SDK's DER reader) for
// writing X.509 certificates with node:crypto: the join's hot path signs a leaf per redemption,
// and building the TBSCertificate by hand keeps that on OpenSSL without a WebCrypto round trip
// (SPEC §7).
import { derChildren, readDer } from '@otherix/sdk/pki';

/** Bytes of a DER length: short form below 128, else 0x8N and N big-endian bytes. */
function lengthSize(length: number): number {
  return length < 0x80 ? 1 : length < 0x100 ? 2 : length < 0x10000 ? 3 : length < 0x1000000 ? 4 : 5;
}

/**
 * One TLV whose content is `parts` in order, written into one buffer: a leaf is ~40 elements, and
 * a Buffer.from + Buffer.concat per element was most of the ~80 µs that building one took.
 */
function tlvOf(tag: number, parts: readonly Uint8Array[]): Buffer {
  let length = 0;
  for (const part of parts) length += part.length;
  const size = lengthSize(length);
  const out = Buffer.allocUnsafe(1 + size + length);
  out[0] = tag;
  if (size === 1) out[1] = length;
  else {
    out[1] = 0x80 | (size - 1);
    for (let i = size - 1, n = length; i >= 1; i--, n = Math.floor(n / 256)) out[1 + i] = n & 0xff;
  }
  let at = 1 + size;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function tlv(tag: number, content: Uint8Array): Buffer {
  return tlvOf(tag, [content]);
}

export const sequence = (...items: Uint8Array[]): Buffer => tlvOf(0x30, items);
export const set = (...items: Uint8Array[]): Buffer => tlvOf(0x31, items);
export const octetString = (content: Uint8Array): Buffer => tlv(0x04, content);
export const bitString = (content: Uint8Array, unusedBits = 0): Buffer => tlvOf(0x03, [Uint8Array.of(unusedBits), content]);
export const utf8String = (text: string): Buffer => tlv(0x0c, Buffer.from(text, 'utf8'));
export const boolean = (value: boolean): Buffer => tlv(0x01, Uint8Array.of(value ? 0xff : 0x00));
/** Context-specific tag `n`, constructed (explicit tagging) or primitive (implicit). */
export const contextTag = (n: number, content: Uint8Array, constructed: boolean): Buffer => tlv((constructed ? 0xa0 : 0x80) | n, content);

/** A non-negative INTEGER from big-endian bytes (leading zeros trimmed, 0x00 added when the high bit is set). */
export function unsignedInteger(bytes: Uint8Array): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  return (trimmed[0] & 0x80) !== 0 ? tlvOf(0x02, [Uint8Array.of(0), trimmed]) : tlvOf(0x02, [trimmed]);
}

export const smallInteger = (value: number): Buffer => unsignedInteger(Uint8Array.of(value));

/** Encoded OBJECT IDENTIFIERs: the few a certificate uses, each encoded once (callers never write into them). */
const OIDS = new Map<string, Buffer>();

export function oid(dotted: string): Buffer {
  let encoded = OIDS.get(dotted);
  if (encoded === undefined) {
    encoded = encodeOid(dotted);
    OIDS.set(dotted, encoded);
  }
  return encoded;
}

function encodeOid(dotted: string): Buffer {
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
