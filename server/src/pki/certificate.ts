// X.509 v3 certificates written by the CP: the cluster CA (self-signed), the CP's own serving and
// client certificates, and node leaves. Everything in a certificate comes from the spec passed
// here; nothing is copied from a CSR but the public key (SPEC §4).
import { createHash, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { OtherixError } from '@otherix/sdk';
import { pemBlock, toPem } from '@otherix/sdk/pki';
import { ipv6Groups } from '@otherix/sdk/internal';
import {
  bitString,
  boolean,
  contextTag,
  octetString,
  oid,
  sequence,
  set,
  smallInteger,
  time,
  unsignedInteger,
  utf8String,
  publicKeyBitsOf,
} from './der.js';

type KeyUsage = 'digitalSignature' | 'keyCertSign' | 'cRLSign';
export type ExtendedKeyUsage = 'serverAuth' | 'clientAuth';

export interface SubjectAltNames {
  dns?: readonly string[];
  ip?: readonly string[];
  uri?: readonly string[];
}

interface CertificateSpec {
  /** Big-endian bytes of a positive serial. */
  serial: Buffer;
  /** DER of the issuer Name (the CA's subject). */
  issuer: Buffer;
  /** DER of the subject Name; see commonNameOnly(). */
  subject: Buffer;
  notBefore: number;
  notAfter: number;
  spkiDer: Buffer;
  /** Present for a CA certificate: basicConstraints CA:true with this pathLenConstraint. */
  ca?: { pathLength: number };
  keyUsage: readonly KeyUsage[];
  extendedKeyUsage?: readonly ExtendedKeyUsage[];
  subjectAltNames?: SubjectAltNames;
  /** keyIdentifier of the issuer's key; omitted for a self-signed certificate's AKI source = SKI. */
  authorityKeyId?: Buffer;
}

const OID = {
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

const KEY_USAGE_BIT: Record<KeyUsage, number> = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 };

/** A Name with an optional O and a CN, as UTF8Strings. */
export function distinguishedName(commonName: string, organization?: string): Buffer {
  const rdn = (type: string, value: string): Buffer => set(sequence(oid(type), utf8String(value)));
  return organization === undefined
    ? sequence(rdn(OID.commonName, commonName))
    : sequence(rdn(OID.organization, organization), rdn(OID.commonName, commonName));
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
export function keyIdentifierOf(spkiDer: Buffer): Buffer {
  return createHash('sha1').update(publicKeyBitsOf(spkiDer)).digest();
}

function keyUsageBits(usages: readonly KeyUsage[]): Buffer {
  let value = 0;
  for (const usage of usages) value |= 0x80 >> KEY_USAGE_BIT[usage];
  let unused = 0;
  while (unused < 7 && (value & (1 << unused)) === 0) unused++;
  return bitString(Buffer.from([value]), unused);
}

/** An iPAddress SAN's bytes: 4 for IPv4, 16 for IPv6 (the SDK's reading of IPv6 groups). */
function ipAddressBytes(text: string): Buffer {
  if (isIP(text) === 4) return Buffer.from(text.split('.').map(Number));
  const groups = ipv6Groups(text);
  if (groups === undefined) throw new OtherixError('internal', `not an IP address: ${text}`);
  const out = Buffer.alloc(16);
  groups.forEach((group, index) => out.writeUInt16BE(group, index * 2));
  return out;
}

function generalNames(names: SubjectAltNames): Buffer {
  const entries: Buffer[] = [];
  for (const uri of names.uri ?? []) entries.push(contextTag(6, Buffer.from(uri, 'ascii'), false));
  for (const dns of names.dns ?? []) entries.push(contextTag(2, Buffer.from(dns, 'ascii'), false));
  for (const ip of names.ip ?? []) entries.push(contextTag(7, ipAddressBytes(ip), false));
  return sequence(...entries);
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? sequence(oid(id), boolean(true), octetString(value)) : sequence(oid(id), octetString(value));
}

const SIGNATURE_ALGORITHM = sequence(oid(OID.ecdsaWithSha384));

export function tbsCertificate(spec: CertificateSpec): Buffer {
  const subjectKeyId = keyIdentifierOf(spec.spkiDer);
  const extensions: Buffer[] = [
    extension(OID.basicConstraints, true, spec.ca === undefined ? sequence() : sequence(boolean(true), smallInteger(spec.ca.pathLength))),
    extension(OID.keyUsage, true, keyUsageBits(spec.keyUsage)),
  ];
  if (spec.extendedKeyUsage !== undefined && spec.extendedKeyUsage.length > 0) {
    extensions.push(extension(OID.extKeyUsage, false, sequence(...spec.extendedKeyUsage.map((usage) => oid(OID[usage])))));
  }
  if (spec.subjectAltNames !== undefined) extensions.push(extension(OID.subjectAltName, false, generalNames(spec.subjectAltNames)));
  extensions.push(extension(OID.subjectKeyIdentifier, false, octetString(subjectKeyId)));
  extensions.push(extension(OID.authorityKeyIdentifier, false, sequence(contextTag(0, spec.authorityKeyId ?? subjectKeyId, false))));
  return sequence(
    contextTag(0, smallInteger(2), true), // v3
    unsignedInteger(spec.serial),
    SIGNATURE_ALGORITHM,
    spec.issuer,
    sequence(time(spec.notBefore), time(spec.notAfter)),
    spec.subject,
    spec.spkiDer,
    contextTag(3, sequence(...extensions), true),
  );
}

/** Signs a TBSCertificate with the issuer's P-384 key on the libuv pool (both cores serve joins). */
export function signTbs(tbs: Buffer, issuerKey: KeyObject): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    sign('sha384', tbs, { key: issuerKey, dsaEncoding: 'der' }, (error, signature) => {
      if (error !== null) reject(error);
      else resolve(sequence(tbs, SIGNATURE_ALGORITHM, bitString(signature)));
    });
  });
}

export function derToPem(der: Buffer): string {
  return toPem('CERTIFICATE', der);
}

export function pemToDer(pem: string): Buffer {
  const der = pemBlock(pem, 'CERTIFICATE');
  if (der === undefined) throw new OtherixError('invalid_der', 'no CERTIFICATE block');
  return der;
}
