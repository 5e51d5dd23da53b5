// The cluster CAs a client trusts, as it keeps them (an agent's ca.crt, the CLI's ca_pem) and as a
// CA rotation hands them out (issue 19). Outside a rotation it is one CA certificate, exactly what
// singleCaCertificate reads. During a rotation the CP's trust bundle holds both CAs and two
// cross-certificates, each CA's public key certified by the other CA:
//
//   [anchor CA] [other CA] [other's key signed by anchor] [anchor's key signed by other]
//
// A pin is the hash of one certificate, and it must cover every certificate the client then trusts
// (the TOFU rule): the anchor is covered by the pin itself, and the other CA only because a
// cross-certificate issued by the anchor's key names the other CA's key. A certificate that no
// cross-certificate of the anchor vouches for (one planted in the file, or an extra block in an
// answer) is refused as singleCaCertificate refuses it. Cross-certificates are never trust anchors:
// `trustedPem` (what TLS is given) holds the self-signed CAs only.
import { X509Certificate } from 'node:crypto';
import { OtherixError } from '../errors.js';
import { singleCaCertificate, type PinnableCa } from './ca-pem.js';
import { toPem } from './der.js';
import { fingerprintOfDer, fingerprintsEqual } from './fingerprint.js';

/** More blocks than a rotation's bundle ever holds are refused before any parsing. */
const MAX_BLOCKS = 4;
const BLOCK = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;

export interface TrustBundle {
  /** The CA the pin (or, without one, the first block) names. */
  anchor: PinnableCa;
  /** The anchor first, then each CA a cross-certificate of the anchor vouches for. */
  trusted: PinnableCa[];
  /** The trusted CAs' PEMs: what TLS trusts (never a cross-certificate). */
  trustedPem: string;
  /** Every block re-encoded from its DER, the anchor first: what is saved. */
  bundlePem: string;
  /** The trusted CAs' `sha256:` fingerprints, the anchor first. */
  fingerprints: string[];
}

interface Parsed {
  der: Buffer;
  cert: X509Certificate;
  selfSigned: boolean;
}

function parseBlocks(pem: string): Parsed[] | undefined {
  const blocks = [...pem.matchAll(BLOCK)];
  if (blocks.length < 2 || blocks.length > MAX_BLOCKS) return undefined;
  if (pem.replace(BLOCK, '').trim() !== '') return undefined;
  const parsed: Parsed[] = [];
  for (const block of blocks) {
    const body = (block[1] ?? '').replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return undefined;
    const der = Buffer.from(body, 'base64');
    try {
      const cert = new X509Certificate(der);
      if (!cert.raw.equals(der) || !cert.ca) return undefined;
      parsed.push({ der, cert, selfSigned: cert.checkIssued(cert) && cert.verify(cert.publicKey) });
    } catch {
      return undefined;
    }
  }
  return parsed;
}

const pinnable = (der: Buffer): PinnableCa => ({ der, pem: toPem('CERTIFICATE', der), fingerprint: fingerprintOfDer(der) });

/** Whether `cross` is `ca`'s public key certified by `issuer`'s key. */
function vouches(cross: Parsed, issuer: Parsed, ca: Parsed): boolean {
  if (cross.selfSigned) return false;
  const sameKey = cross.cert.publicKey
    .export({ format: 'der', type: 'spki' })
    .equals(ca.cert.publicKey.export({ format: 'der', type: 'spki' }));
  return sameKey && cross.cert.verify(issuer.cert.publicKey);
}

/**
 * The CAs `pem` makes trusted, anchored at the CA with fingerprint `anchor` (default: the first
 * block). One CA certificate alone is read by singleCaCertificate (its refusals unchanged); a
 * bundle must be self-signed CAs each vouched for by a cross-certificate of the anchor, plus those
 * cross-certificates, and nothing else. `source` and `wayOut` are singleCaCertificate's.
 * @throws OtherixError `invalid_ca` for anything else; `fingerprint_mismatch` when no block is `anchor`.
 */
export function readTrustBundle(pem: unknown, source: string, options: { anchor?: string; wayOut?: string } = {}): TrustBundle {
  const parsed = typeof pem === 'string' ? parseBlocks(pem) : undefined;
  if (parsed === undefined) {
    const single = singleCaCertificate(pem, source, options.wayOut);
    if (options.anchor !== undefined && !fingerprintsEqual(single.fingerprint, options.anchor)) {
      throw new OtherixError('fingerprint_mismatch', `${source} holds CA ${single.fingerprint}, not the pinned ${options.anchor}`);
    }
    return { anchor: single, trusted: [single], trustedPem: single.pem, bundlePem: single.pem, fingerprints: [single.fingerprint] };
  }
  const anchorIndex =
    options.anchor === undefined ? 0 : parsed.findIndex((p) => p.selfSigned && fingerprintsEqual(fingerprintOfDer(p.der), options.anchor!));
  if (anchorIndex < 0) {
    throw new OtherixError('fingerprint_mismatch', `${source} holds no CA with the pinned fingerprint ${options.anchor}`);
  }
  const anchor = parsed[anchorIndex];
  if (!anchor.selfSigned) return singleCaCertificate(pem, source, options.wayOut) as never;
  const trusted = [anchor];
  const used = new Set<Parsed>([anchor]);
  for (const candidate of parsed) {
    if (candidate === anchor || !candidate.selfSigned) continue;
    const cross = parsed.find((p) => vouches(p, anchor, candidate));
    if (cross === undefined) continue;
    trusted.push(candidate);
    used.add(candidate).add(cross);
    // The reverse cross-certificate (the anchor's key certified by the other CA) rides along, so a
    // client anchored at the other CA reads the same bundle.
    const reverse = parsed.find((p) => vouches(p, candidate, anchor));
    if (reverse !== undefined) used.add(reverse);
  }
  // Anything the anchor does not account for is refused whole, as a lone extra block always was.
  if (used.size !== parsed.length) singleCaCertificate(pem, source, options.wayOut);
  const ordered = [anchor, ...parsed.filter((p) => p !== anchor)];
  const trustedCas = trusted.map((p) => pinnable(p.der));
  return {
    anchor: trustedCas[0],
    trusted: trustedCas,
    trustedPem: trustedCas.map((ca) => ca.pem).join(''),
    bundlePem: ordered.map((p) => toPem('CERTIFICATE', p.der)).join(''),
    fingerprints: trustedCas.map((ca) => ca.fingerprint),
  };
}

/** Whether two bundles trust the same CAs (order aside). */
export function sameTrust(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((fp) => b.some((other) => fingerprintsEqual(fp, other)));
}

const BLOCKS = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The trusted CA (of the two during a CA rotation) that names itself the leaf's issuer; else the first. */
export function issuerAmong(leafPem: string, caPem: string): string {
  const blocks = caPem.match(BLOCKS) ?? [caPem];
  try {
    const leaf = new X509Certificate(leafPem);
    return blocks.find((block) => leaf.checkIssued(new X509Certificate(block))) ?? blocks[0];
  } catch {
    return blocks[0];
  }
}
