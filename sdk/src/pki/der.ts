// A minimal DER reader: just enough to split a PKCS#10 request into the signed bytes, the key
// and the signature without building an object tree (the CSR check is the CP's hot path).
import { OtherixError } from '../errors.js';

export interface DerNode {
  tag: number;
  /** Offset of the tag byte. */
  start: number;
  /** Offset of the first content byte. */
  contentStart: number;
  /** Offset just past the content. */
  end: number;
}

/** Reads one TLV at `offset`; throws OtherixError 'invalid_der' on truncated or non-DER lengths. */
export function readDer(buf: Uint8Array, offset: number, limit: number = buf.length): DerNode {
  if (offset + 2 > limit) throw invalidDer('truncated DER');
  const tag = buf[offset];
  if ((tag & 0x1f) === 0x1f) throw invalidDer('multi-byte DER tags are not supported');
  let lenByte = buf[offset + 1];
  let cursor = offset + 2;
  let length: number;
  if (lenByte < 0x80) {
    length = lenByte;
  } else {
    lenByte &= 0x7f;
    if (lenByte === 0 || lenByte > 4) throw invalidDer('unsupported DER length');
    if (cursor + lenByte > limit) throw invalidDer('truncated DER length');
    length = 0;
    for (let i = 0; i < lenByte; i++) length = length * 256 + buf[cursor + i];
    cursor += lenByte;
    if (length < 0x80) throw invalidDer('non-minimal DER length');
  }
  const end = cursor + length;
  if (end > limit) throw invalidDer('DER length runs past the end');
  return { tag, start: offset, contentStart: cursor, end };
}

/** The children of a constructed node, in order. */
export function derChildren(buf: Uint8Array, node: DerNode): DerNode[] {
  const out: DerNode[] = [];
  let at = node.contentStart;
  while (at < node.end) {
    const child = readDer(buf, at, node.end);
    out.push(child);
    at = child.end;
  }
  return out;
}

/** Bytes that are not the DER the caller expected (callers say what they were reading). */
export function invalidDer(why: string): OtherixError {
  return new OtherixError('invalid_der', why);
}

/** Decodes an OBJECT IDENTIFIER's content to dotted form. */
export function derOid(buf: Uint8Array, node: DerNode): string {
  if (node.tag !== 0x06) throw invalidDer('expected an OBJECT IDENTIFIER');
  const bytes = buf.subarray(node.contentStart, node.end);
  if (bytes.length === 0) throw invalidDer('empty OBJECT IDENTIFIER');
  const parts: number[] = [];
  let value = 0;
  for (const byte of bytes) {
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      parts.push(value);
      value = 0;
    }
  }
  const first = parts.shift() ?? 0;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...parts].join('.');
}

/** Base64 body of the first PEM block with `label`, decoded; undefined when absent. */
const PEM_PATTERNS = new Map<string, RegExp>();

export function pemBlock(pem: string, label: string): Buffer | undefined {
  let re = PEM_PATTERNS.get(label);
  if (re === undefined) {
    re = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`);
    PEM_PATTERNS.set(label, re);
  }
  const match = re.exec(pem);
  if (match === null) return undefined;
  return Buffer.from(match[1].replace(/\s+/g, ''), 'base64');
}

export function toPem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
