// @otherix/sdk/pki: certificates, keys and CSRs as Otherix uses them (P-384 keys, CSRs, the
// SPIFFE identities, CA fingerprints, chain checks, DER and PEM, the TLS policy). For tools that
// check or mint Otherix material; automation that only talks to a CP needs the main entry.
export { FINGERPRINT_PREFIX, fingerprintOfDer, fingerprintOfPem, parseFingerprint, fingerprintsEqual } from './pki/fingerprint.js';
export { singleCaCertificate } from './pki/ca-pem.js';
export type { PinnableCa } from './pki/ca-pem.js';
export { issuerAmong, readTrustBundle, sameTrust } from './pki/trust-bundle.js';
export type { TrustBundle } from './pki/trust-bundle.js';
export {
  CONTROL_PLANE_SPIFFE_ID,
  NODE_SPIFFE_PREFIX,
  nodeSpiffeId,
  nodeNameFromSpiffeId,
  uriSansOf,
  checkServerIdentityFor,
} from './pki/identity.js';
export { NODE_KEY_ALGORITHM, generateNodeKeyPair, exportPrivateKeyPem, importPrivateKeyPem, publicKeySpkiDerOf } from './pki/keys.js';
export type { NodeKeyPair } from './pki/keys.js';
export { createCsr, verifyCsr, verifyCsrAsync, describeKey } from './pki/csr.js';
export type { VerifiedCsr } from './pki/csr.js';
export { assertChainsTo, assertHoldsKey, assertUriSan, verifyIssuedIdentity } from './pki/chain.js';
export { CERTIFICATE_BACKDATE_MS, certificateTimes } from './pki/lifetime.js';
export type { CertificateTimes } from './pki/lifetime.js';
export { readDer, derChildren, derOid, pemBlock, toPem } from './pki/der.js';
export { TLS_CIPHERS, TLS_MIN_VERSION, TLS_SERVER_POLICY } from './tls/policy.js';
export type { DerNode } from './pki/der.js';
