// Whether a node's three cert files, as read from disk, are a usable set: each parses, the key
// is the certificate's, and the certificate was signed by the CA in ca.crt. Dates are not looked
// at (the CP judges them by its own clock). Used where a damaged file must be named as the
// host's problem: bootstrap's "already bootstrapped" path and the agent's heartbeats, which
// would otherwise fail in the TLS layer and blame the connection.
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { fingerprintOfDer } from '../pki/fingerprint.js';
import { nodeNameFromSpiffeId, uriSansOf } from '../pki/identity.js';
import { CERT_FILES } from './cert-dir.js';

export interface CertSetFiles {
  keyPem: string;
  certPem: string;
  caPem: string;
}

export type CertSetCheck =
  | {
      ok: true;
      /** `sha256:<hex>` of ca.crt. */
      caFingerprint: string;
      /** The node names agent.crt carries (spiffe://otherix/node/<name>). */
      nodeNames: string[];
    }
  | {
      ok: false;
      /** The file at fault: agent.key, agent.crt or ca.crt. */
      file: string;
      /** What is wrong with it, to follow the file's path in a message. */
      problem: string;
    };

export function checkCertSet(files: CertSetFiles): CertSetCheck {
  const { key: keyFile, cert: certFile, ca: caFile } = CERT_FILES;
  let key: KeyObject;
  try {
    key = createPrivateKey(files.keyPem);
  } catch (error) {
    return broken(keyFile, `cannot be read as a private key (${reasonOf(error)})`);
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(files.certPem);
  } catch (error) {
    return broken(certFile, `cannot be read as a certificate (${reasonOf(error)})`);
  }
  // ca.crt may hold the two CAs of a rotation (and their cross-certificates): the leaf's issuer is
  // the self-signed one among them that signed it.
  let cas: X509Certificate[];
  try {
    const blocks = files.caPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [files.caPem];
    cas = blocks.map((block) => new X509Certificate(block));
  } catch (error) {
    return broken(caFile, `cannot be read as a certificate (${reasonOf(error)})`);
  }
  const ca = cas.find((c) => cert.checkIssued(c) && c.checkIssued(c) && cert.verify(c.publicKey)) ?? cas[0];
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'secp384r1') {
    return broken(keyFile, `is not an ECDSA P-384 key (found ${key.asymmetricKeyType ?? 'an unknown type'})`);
  }
  if (!cert.checkPrivateKey(key)) return broken(keyFile, `is not the key of ${certFile} (files from two different joins?)`);
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return broken(certFile, `was not issued by the CA in ${caFile}`);
  const nodeNames = uriSansOf(cert)
    .map((uri) => nodeNameFromSpiffeId(uri))
    .filter((name): name is string => name !== null);
  return { ok: true, caFingerprint: fingerprintOfDer(ca.raw), nodeNames };
}

function broken(file: string, problem: string): CertSetCheck {
  return { ok: false, file, problem };
}

// OpenSSL's reasons are long ("error:1E08010C:DECODER routines::unsupported"): keep its last words.
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^error:[0-9A-F]+:/, '');
}
