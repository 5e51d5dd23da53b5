// The cluster CA: an ECDSA P-384 key and a self-signed CA:true/pathlen:0 certificate. It signs
// the CP's own certificates at start and one leaf per redemption or renewal.
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { OtherixError } from '@otherix/sdk';
import { CERTIFICATE_BACKDATE_MS, fingerprintOfDer, nodeSpiffeId } from '@otherix/sdk/pki';
import { unbracketHost } from '@otherix/sdk/internal';
import { subjectNameOf } from '../pki/der.js';
import { derToPem, distinguishedName, keyIdentifierOf, pemToDer, signTbs, tbsCertificate } from '../pki/certificate.js';
import type { ExtendedKeyUsage, SubjectAltNames } from '../pki/certificate.js';
import { DEFAULT_NODE_CERT_LIFETIME_MS } from './node-cert-lifetime.js';

export const CA_VALIDITY_MS = 10 * 365 * 24 * 3600 * 1000;
/** The CP's own certificates (server.crt, client.crt) and any leaf issued without a lifetime; node leaves take --node-cert-lifetime. */
export const LEAF_VALIDITY_MS = 365 * 24 * 3600 * 1000;
/**
 * Every certificate the CA writes starts an hour before it is signed, so that a host whose clock
 * lags the CP's by up to an hour can still use it (notBefore is not a secret). A minute was too
 * little: a host a few minutes behind redeemed its token and then could not use the leaf.
 * Bootstrap refuses a join much earlier, at a few minutes of skew (the SDK's
 * MAX_JOIN_CLOCK_SKEW_MS): the hour is the margin for clocks that drift after the join. The value
 * lives in the SDK, because the agent needs it too: a leaf's lifetime counts from its signing
 * time, notBefore + the backdate (services/node-cert-lifetime.ts).
 */
export { CERTIFICATE_BACKDATE_MS };
const BACKDATE_MS = CERTIFICATE_BACKDATE_MS;

export interface KeyPairPem {
  keyPem: string;
  certPem: string;
}

export interface IssuedCertificate {
  certPem: string;
  /** Lower-case hex, no leading zeros: the API's `serial` and node_certificates.serial. */
  serial: string;
  notAfter: number;
}

export interface LeafRequest {
  commonName: string;
  spkiDer: Buffer;
  subjectAltNames: SubjectAltNames;
  extendedKeyUsage: readonly ExtendedKeyUsage[];
  now: number;
  validityMs?: number;
}

/**
 * A 128-bit random serial (SPEC §4), written as a positive INTEGER: the DER writer prepends 0x00
 * when the top bit is set (17 octets; RFC 5280 allows up to 20). Zero is not a serial, so it is
 * drawn again (a 2^-128 chance).
 */
function randomSerial(): Buffer {
  for (;;) {
    const bytes = randomBytes(16);
    if (bytes.some((byte) => byte !== 0)) return bytes;
  }
}

/** The canonical form of a certificate serial as Node prints it ('00A1...' -> 'a1...'). */
export function normalizeSerial(hex: string): string {
  return hex.toLowerCase().replace(/^0+(?=.)/, '');
}

/** Splits hosts into DNS and IP SANs (IPv6 without brackets: the SDK's unbracketHost), lower-case, de-duplicated. */
export function sansForHosts(hosts: readonly string[]): { dns: string[]; ip: string[] } {
  const dns = new Set<string>();
  const ip = new Set<string>();
  for (const raw of hosts) {
    const host = unbracketHost(raw.toLowerCase());
    if (host === '') continue;
    (isIP(host) === 0 ? dns : ip).add(host);
  }
  return { dns: [...dns], ip: [...ip] };
}

export class ClusterCa {
  readonly certPem: string;
  /** `sha256:<hex>` of the CA certificate's DER. */
  readonly fingerprint: string;
  /** Undefined for a CA known by its certificate alone (certificateOnly): it is trusted, it signs nothing. */
  private readonly privateKey: KeyObject | undefined;
  private readonly publicKey: KeyObject;
  private readonly subject: Buffer;
  private readonly keyId: Buffer;

  private constructor(certPem: string, keyPem: string | undefined) {
    const der = pemToDer(certPem);
    this.certPem = certPem;
    this.fingerprint = fingerprintOfDer(der);
    this.subject = subjectNameOf(der);
    const cert = new X509Certificate(der);
    this.privateKey = keyPem === undefined ? undefined : createPrivateKey(keyPem);
    this.publicKey = this.privateKey === undefined ? cert.publicKey : createPublicKey(this.privateKey);
    this.keyId = keyIdentifierOf(this.publicKey.export({ format: 'der', type: 'spki' }));
    if (!cert.ca || (this.privateKey !== undefined && !cert.checkPrivateKey(this.privateKey))) {
      throw new OtherixError('data_dir_invalid', 'ca.crt is not a CA certificate for ca.key: restore the pair from backup');
    }
  }

  static fromPem(material: KeyPairPem): ClusterCa {
    return new ClusterCa(material.certPem, material.keyPem);
  }

  /**
   * A CA known by its certificate alone: trusted and recognised as an issuer, never a signer (a
   * CA rotation's new CA in the phase rollback, where only the old CA signs: services/ca-rotation.ts).
   */
  static certificateOnly(certPem: string): ClusterCa {
    return new ClusterCa(certPem, undefined);
  }

  /** The key to sign with; a CA known by its certificate alone has none (an internal error: no phase signs with it). */
  private get key(): KeyObject {
    if (this.privateKey === undefined)
      throw new OtherixError('internal', `the CA ${this.fingerprint} is known here by its certificate alone: it cannot sign`);
    return this.privateKey;
  }

  /** A new CA: P-384 key, self-signed, CA:true pathlen:0, keyCertSign + cRLSign, 10 years. */
  static async create(now: number): Promise<{ ca: ClusterCa; material: KeyPairPem }> {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const spkiDer = publicKey.export({ format: 'der', type: 'spki' });
    const name = distinguishedName('Otherix cluster CA', 'Otherix');
    const tbs = tbsCertificate({
      serial: randomSerial(),
      issuer: name,
      subject: name,
      notBefore: now - BACKDATE_MS,
      notAfter: now + CA_VALIDITY_MS,
      spkiDer,
      ca: { pathLength: 0 },
      keyUsage: ['keyCertSign', 'cRLSign'],
    });
    const certPem = derToPem(await signTbs(tbs, privateKey));
    const material = { certPem, keyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string };
    return { ca: new ClusterCa(material.certPem, material.keyPem), material };
  }

  /** The CA's public key, DER SPKI. */
  get spkiDer(): Buffer {
    return this.publicKey.export({ format: 'der', type: 'spki' });
  }

  /**
   * A cross-certificate: `other`'s name and public key, with its validity, certified by this CA's
   * key (CA rotation, issue 19). Clients never give it to TLS as a trust anchor; it only lets a pin
   * of this CA cover `other` (the SDK's readTrustBundle).
   */
  async crossCertify(other: ClusterCa): Promise<string> {
    const otherCert = new X509Certificate(other.certPem);
    const tbs = tbsCertificate({
      serial: randomSerial(),
      issuer: this.subject,
      subject: other.subject,
      notBefore: Date.parse(otherCert.validFrom),
      notAfter: Date.parse(otherCert.validTo),
      spkiDer: other.spkiDer,
      ca: { pathLength: 0 },
      keyUsage: ['keyCertSign', 'cRLSign'],
      authorityKeyId: this.keyId,
    });
    return derToPem(await signTbs(tbs, this.key));
  }

  /** Signs an end-entity certificate for a public key the caller has already validated. */
  async issue(request: LeafRequest): Promise<IssuedCertificate> {
    const serial = randomSerial();
    const notAfter = request.now + (request.validityMs ?? LEAF_VALIDITY_MS);
    const tbs = tbsCertificate({
      serial,
      issuer: this.subject,
      subject: distinguishedName(request.commonName),
      notBefore: request.now - BACKDATE_MS,
      notAfter,
      spkiDer: request.spkiDer,
      keyUsage: ['digitalSignature'],
      extendedKeyUsage: request.extendedKeyUsage,
      subjectAltNames: request.subjectAltNames,
      authorityKeyId: this.keyId,
    });
    const der = await signTbs(tbs, this.key);
    // X.509 time has whole seconds: report what the certificate says.
    return { certPem: derToPem(der), serial: normalizeSerial(serial.toString('hex')), notAfter: Math.floor(notAfter / 1000) * 1000 };
  }

  /**
   * A node's leaf: CN = name, URI SAN spiffe://otherix/node/<name>, the hosts as DNS/IP SANs,
   * serverAuth + clientAuth; `lifetimeMs` from signing (the CP's --node-cert-lifetime; default 30 days).
   */
  issueNodeCertificate(input: {
    nodeName: string;
    spkiDer: Buffer;
    hosts: readonly string[];
    now: number;
    lifetimeMs?: number;
  }): Promise<IssuedCertificate> {
    return this.issue({
      commonName: input.nodeName,
      spkiDer: input.spkiDer,
      subjectAltNames: { uri: [nodeSpiffeId(input.nodeName)], ...sansForHosts(input.hosts) },
      extendedKeyUsage: ['serverAuth', 'clientAuth'],
      now: input.now,
      validityMs: input.lifetimeMs ?? DEFAULT_NODE_CERT_LIFETIME_MS,
    });
  }

  /** A fresh P-384 key and a certificate for it (the CP's own serving and client certificates). */
  async issueWithNewKey(request: Omit<LeafRequest, 'spkiDer'>): Promise<KeyPairPem & IssuedCertificate> {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const issued = await this.issue({ ...request, spkiDer: publicKey.export({ format: 'der', type: 'spki' }) });
    return { ...issued, keyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string };
  }
}
