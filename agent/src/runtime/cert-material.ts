// The node's cert material as serve reads it: agent.key, agent.crt and ca.crt in tls.cert_dir.
// Bootstrap and renewals write them as symlinks into a `..data` generation; the three are read
// from one generation (the SDK's readFileSetSync), so a renewal switching `..data` between two
// reads never hands a beat the old key with the new certificate.
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { isOtherixError, type OtherixErrorCode } from '@otherix/sdk';
import { readTrustBundle } from '@otherix/sdk/pki';
import { CERT_FILES, CERT_FILE_NAMES, readFileSetSync } from '@otherix/sdk/internal';

export interface CertMaterial {
  keyPem: string;
  certPem: string;
  /** The CAs ca.crt makes trusted (two during a CA rotation), never a cross-certificate: what TLS trusts. */
  caPem: string;
  /** ca.crt as bootstrap or a heartbeat answer wrote it (the bundle, cross-certificates included). */
  caFileText?: string;
  /** The trusted CAs' fingerprints (the heartbeat's ca_fingerprints). */
  caFingerprints?: string[];
}

/** Why material could not be read; `code` is stable, `message` tells the operator what to do. */
export interface MaterialProblem {
  code: Extract<OtherixErrorCode, 'cert_file_missing' | 'cert_file_unreadable' | 'invalid_ca'>;
  message: string;
  files: string[];
}

export type MaterialRead = { ok: true; material: CertMaterial } | { ok: false; problem: MaterialProblem };

export function readCertMaterial(certDir: string): MaterialRead {
  const missing: string[] = [];
  const unreadable: string[] = [];
  const files = readFileSetSync(certDir, CERT_FILE_NAMES);
  const read = (name: string): string => {
    const file = files[name];
    if (file.ok) return file.text;
    (file.error.code === 'ENOENT' ? missing : unreadable).push(name);
    return '';
  };
  const material = { keyPem: read(CERT_FILES.key), certPem: read(CERT_FILES.cert), caPem: read(CERT_FILES.ca) };
  if (missing.length > 0) {
    return {
      ok: false,
      problem: {
        code: 'cert_file_missing',
        message: `${missing.join(', ')} not found in ${certDir}`,
        files: missing,
      },
    };
  }
  if (unreadable.length > 0) {
    return {
      ok: false,
      problem: {
        code: 'cert_file_unreadable',
        message: `cannot read ${unreadable.join(', ')} in ${certDir}: check the files' owner and mode`,
        files: unreadable,
      },
    };
  }
  // A ca.crt that is no certificate at all is a damaged file, which the cert set check names
  // (sdk checkCertSet), not a planted CA.
  if (!parsesAsCertificate(material.caPem)) return { ok: true, material };
  // The agent trusts the CA bootstrap pinned (its server and its heartbeats), and during a CA
  // rotation the other CA that a cross-certificate of it vouches for: a ca.crt with anything else
  // is not what bootstrap or the CP wrote, and is not trusted in part (readTrustBundle).
  try {
    const bundle = readTrustBundle(material.caPem, join(certDir, CERT_FILES.ca), { wayOut: 'it is not what bootstrap wrote' });
    return {
      ok: true,
      material: { ...material, caPem: bundle.trustedPem, caFileText: bundle.bundlePem, caFingerprints: bundle.fingerprints },
    };
  } catch (error) {
    if (!isOtherixError(error, 'invalid_ca')) throw error;
    return { ok: false, problem: { code: 'invalid_ca', message: error.message, files: [CERT_FILES.ca] } };
  }
  return { ok: true, material };
}

export function sameMaterial(a: CertMaterial, b: CertMaterial): boolean {
  return a.keyPem === b.keyPem && a.certPem === b.certPem && a.caPem === b.caPem;
}

function parsesAsCertificate(pem: string): boolean {
  try {
    new X509Certificate(pem);
    return true;
  } catch {
    return false;
  }
}
