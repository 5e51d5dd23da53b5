// A CA rotation reaches the agent through its heartbeat answers (issue 19): the cluster's trust
// bundle, when the CAs in ca.crt differ from the cluster's. It arrived over a connection that the
// current ca.crt verified, and it is taken only when a CA this node trusts now anchors it (the
// SDK's readTrustBundle: the other CA is vouched for by that CA's cross-certificate). ca.crt is
// written as a new generation of the cert set (atomic; agent.key stays 0600); the next beat and
// the agent's server use it.
import { join } from 'node:path';
import { OtherixError } from '@otherix/sdk';
import { readTrustBundle } from '@otherix/sdk/pki';
import { CERT_FILES, KEY_FILE_MODE, PUBLIC_FILE_MODE, writeFileSetAtomic } from '@otherix/sdk/internal';
import { readCertMaterial, type CertMaterial } from './cert-material.js';
import type { Logger } from './logger.js';

export async function adoptTrustBundle(certDir: string, used: CertMaterial, bundlePem: string, logger: Logger): Promise<void> {
  const source = 'the heartbeat answer';
  let bundle: ReturnType<typeof readTrustBundle> | undefined;
  for (const anchor of used.caFingerprints ?? []) {
    try {
      bundle = readTrustBundle(bundlePem, source, { anchor });
      break;
    } catch {
      // Not anchored at this CA: try the next one this node trusts.
    }
  }
  if (bundle === undefined) {
    throw new OtherixError(
      'invalid_ca',
      `the control plane's CA bundle is not covered by a CA this node trusts (${(used.caFingerprints ?? []).join(', ')}): ca.crt is kept as it is`,
    );
  }
  // The files as they are now: a renewal may have written a new generation since the beat.
  const read = readCertMaterial(certDir);
  if (!read.ok || read.material.certPem !== used.certPem || read.material.keyPem !== used.keyPem) return;
  if (read.material.caFileText === bundle.bundlePem) return;
  await writeFileSetAtomic(certDir, [
    { name: CERT_FILES.key, data: read.material.keyPem, mode: KEY_FILE_MODE },
    { name: CERT_FILES.cert, data: read.material.certPem, mode: PUBLIC_FILE_MODE },
    { name: CERT_FILES.ca, data: bundle.bundlePem, mode: PUBLIC_FILE_MODE },
  ]);
  logger.info(`CA rotation: ca.crt now trusts ${bundle.fingerprints.join(', ')}`, {
    cert_dir: certDir,
    file: join(certDir, CERT_FILES.ca),
    trusted: bundle.fingerprints,
  });
}
