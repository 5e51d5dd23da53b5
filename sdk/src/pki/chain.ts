// Checks of an issued node certificate, with node:crypto's X509Certificate (OpenSSL). Run by the
// agent on the join answer before anything is written: the leaf must chain to the pinned CA,
// hold the key the node generated, and name the node.
import { X509Certificate } from 'node:crypto';
import { OtherixError } from '../errors.js';
import { uriSansOf } from './identity.js';

function parseCert(pem: string, what: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (error) {
    throw new OtherixError('chain_invalid', `the ${what} is not a readable X.509 PEM certificate: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** Issued by `caPem`, signature verifies with the CA key, and `now` within both validity windows. */
export function assertChainsTo(leafPem: string, caPem: string, now: Date = new Date()): void {
  const leaf = parseCert(leafPem, 'certificate');
  const ca = parseCert(caPem, 'CA certificate');
  if (!leaf.checkIssued(ca)) {
    throw new OtherixError(
      'chain_invalid',
      `the certificate was not issued by the pinned CA (issuer "${leaf.issuer.replace(/\n/g, ', ')}", CA "${ca.subject.replace(/\n/g, ', ')}"): check that you talk to the right control plane`,
    );
  }
  if (!leaf.verify(ca.publicKey)) {
    throw new OtherixError(
      'chain_invalid',
      'the certificate signature does not verify with the pinned CA key: refuse it and check the control plane',
    );
  }
  for (const [cert, what] of [
    [leaf, 'certificate'],
    [ca, 'CA certificate'],
  ] as const) {
    const from = new Date(cert.validFrom);
    const to = new Date(cert.validTo);
    if (now < from || now > to) {
      throw new OtherixError(
        'chain_invalid',
        `the ${what} is valid from ${from.toISOString()} to ${to.toISOString()}, not at ${now.toISOString()}: check the clocks, or get a new certificate`,
        { details: { valid_from: from.toISOString(), valid_to: to.toISOString() } },
      );
    }
  }
}

/** The leaf certifies exactly the public key `spkiDer` (the node's own). */
export function assertHoldsKey(leafPem: string, spkiDer: Buffer): void {
  const leaf = parseCert(leafPem, 'certificate');
  const leafSpki = leaf.publicKey.export({ format: 'der', type: 'spki' });
  if (!leafSpki.equals(spkiDer)) {
    throw new OtherixError(
      'key_mismatch',
      "the certificate does not hold this node's public key: refuse it; the CP answered with someone else's certificate",
    );
  }
}

/** The leaf carries `expectedUri` as a URI SAN. */
export function assertUriSan(leafPem: string, expectedUri: string): void {
  const leaf = parseCert(leafPem, 'certificate');
  const uris = uriSansOf({ subjectAltName: leaf.subjectAltName });
  if (!uris.includes(expectedUri)) {
    throw new OtherixError(
      'identity_mismatch',
      `the certificate names ${uris.length === 0 ? 'no URI SAN' : uris.join(', ')}, not ${expectedUri}: refuse it`,
      { details: { expected: expectedUri, found: uris } },
    );
  }
}

export function verifyIssuedIdentity(opts: { leafPem: string; caPem: string; spkiDer: Buffer; expectedUri: string; now?: Date }): void {
  assertChainsTo(opts.leafPem, opts.caPem, opts.now);
  assertHoldsKey(opts.leafPem, opts.spkiDer);
  assertUriSan(opts.leafPem, opts.expectedUri);
}
