// The node identity a host holds: agent.key, agent.crt and ca.crt in its cert dir, read and
// checked as one set (each parses, the key is the certificate's, ca.crt signed it and is one CA
// certificate alone, the certificate names exactly one node). A renewal starts from it, and the
// agent's renewal schedule reads the certificate's times from it.
import { join } from 'node:path';
import { OtherixError } from '../errors.js';
import { CERT_FILES, CERT_FILE_NAMES } from '../bootstrap/cert-dir.js';
import { readFileSetSync } from '../files/file-set-read.js';
import { checkCertSet } from '../bootstrap/cert-set-check.js';
import { readTrustBundle } from '../pki/trust-bundle.js';
import { certificateTimes, type CertificateTimes } from '../pki/lifetime.js';

export interface NodeIdentityFiles {
  certDir: string;
  nodeName: string;
  keyPem: string;
  certPem: string;
  /** The CAs ca.crt makes trusted (the pinned one; during a CA rotation two), re-encoded from their DER. */
  caPem: string;
  /** ca.crt as saved (during a CA rotation with its cross-certificates): written back unchanged by a renewal. */
  caFileText: string;
  times: CertificateTimes;
}

/** The way to a new identity when the one on disk cannot be used or renewed. */
export function rebootstrapAdvice(nodeName: string | undefined): string {
  const name = nodeName ?? '<name>';
  return `mint a join token bound to the node (\`otherix node join-token create --node-name ${name}\`) and run \`otherix-agent bootstrap --force\` on this host; a running serve picks the new files up without a restart`;
}

export async function readNodeIdentityFiles(certDir: string): Promise<NodeIdentityFiles> {
  // One generation of the set, even while a renewal switches it.
  const files = readFileSetSync(certDir, CERT_FILE_NAMES);
  const text = (name: string): string => {
    const file = files[name];
    if (file.ok) return file.text;
    const code = file.error.code ?? 'error';
    const why = code === 'ENOENT' ? 'not found' : `cannot be read (${code}): check its owner and mode`;
    const next = code === 'ENOENT' ? 'bootstrap it first (`otherix-agent bootstrap`)' : 'run as the user serve runs as';
    throw new OtherixError('bootstrap_partial_state', `${name} in ${certDir} ${why}: this host holds no usable node identity; ${next}`, {
      cause: file.error,
      details: { cert_dir: certDir, file: name },
    });
  };
  const [keyPem, certPem, caText] = [text(CERT_FILES.key), text(CERT_FILES.cert), text(CERT_FILES.ca)];
  const check = checkCertSet({ keyPem, certPem, caPem: caText });
  if (!check.ok) {
    throw new OtherixError('bootstrap_partial_state', `${check.file} in ${certDir} ${check.problem}: ${rebootstrapAdvice(undefined)}`, {
      details: { cert_dir: certDir, file: check.file },
    });
  }
  const bundle = readTrustBundle(caText, join(certDir, CERT_FILES.ca), { wayOut: 'it is not what bootstrap wrote' });
  const caPem = bundle.trustedPem;
  if (check.nodeNames.length !== 1) {
    throw new OtherixError(
      'identity_mismatch',
      `${CERT_FILES.cert} in ${certDir} names ${check.nodeNames.length === 0 ? 'no node' : check.nodeNames.join(', ')}, not exactly one node: ${rebootstrapAdvice(undefined)}`,
    );
  }
  return { certDir, nodeName: check.nodeNames[0], keyPem, certPem, caPem, caFileText: bundle.bundlePem, times: certificateTimes(certPem) };
}
