// renewNodeCertificate(): a node renews its own identity (SPEC §8, issue 16), as the agent's serve
// loop and `otherix-agent renew` both do it:
//   1. read the identity on disk (agent.key, agent.crt, ca.crt) and refuse an expired one (a
//      renewal is authenticated by the current certificate: an expired one cannot renew);
//   2. generate a NEW ECDSA P-384 key and a CSR for it (the key never leaves the host);
//   3. POST /v1/nodes/renew over mTLS with the current certificate, trusting only the pinned CA
//      in ca.crt and only a server with the control plane's SPIFFE id;
//   4. check the answer (the bundle holds the pinned CA, the leaf chains to it, is valid now,
//      holds the new key and names this node), then write key, leaf and CA as ONE new generation
//      of the cert dir (the AtomicWriter layout: a crash leaves the old set or the new one).
// Until the node first authenticates with the new certificate the CP keeps accepting the current
// one, so a lost answer, a failed write or a crash before the switch costs nothing: renew again.
import { issuerAmong } from '../pki/trust-bundle.js';
import { OtherixError, isOtherixError } from '../errors.js';
import { createClient } from '../client/create-client.js';
import { failedCallOf } from '../client/failover.js';
import type { Node } from '../client/types.js';
import { CERT_FILES, KEY_FILE_MODE, PUBLIC_FILE_MODE } from '../bootstrap/cert-dir.js';
import { writeFileSetAtomic } from '../files/atomic.js';
import { verifyIssuedIdentity } from '../pki/chain.js';
import { createCsr } from '../pki/csr.js';
import { fingerprintOfPem, fingerprintsEqual } from '../pki/fingerprint.js';
import { nodeSpiffeId } from '../pki/identity.js';
import { exportPrivateKeyPem, generateNodeKeyPair, publicKeySpkiDerOf } from '../pki/keys.js';
import { certificateTimes, type CertificateTimes } from '../pki/lifetime.js';
import { readNodeIdentityFiles, rebootstrapAdvice } from './node-identity-files.js';
import { unknownRenewalOutcome } from './unknown-outcome.js';

export interface RenewNodeOptions {
  /** The node's cert dir (agent.yaml's tls.cert_dir). */
  certDir: string;
  /** https://host:port of the control plane, or several replicas' comma-separated (agent.yaml's cp_url). */
  cpUrl: string | readonly string[];
  requestTimeoutMs?: number;
  /** The host's clock (epoch ms), for the expiry check and the answer's validity; default Date.now. */
  now?: () => number;
}

export interface RenewalOutcome {
  nodeName: string;
  certDir: string;
  /** The certificate the renewal was authenticated with. */
  previous: CertificateTimes;
  /** The new one, now in the cert dir. */
  renewed: CertificateTimes;
  /** The node as the CP answered (its certificate is the new one). */
  node: Node;
}

/**
 * Renews this node's certificate now, as the agent does at 2/3 of its lifetime: a new P-384 key
 * and CSR, `POST /v1/nodes/renew` over mTLS with the current certificate, the answer checked,
 * then key, leaf and CA written as one new generation of the cert dir. The current certificate
 * keeps working until the CP first sees the new one, so any failure can be retried.
 * @throws OtherixError `cert_file_missing`, `cert_file_unreadable`, `cert_file_invalid` (the
 *   identity on disk); `certificate_expired` (re-bootstrap: the message gives the commands);
 *   OtherixApiError `unauthenticated`, `rate_limited` from the CP; `chain_invalid`,
 *   `key_mismatch`, `identity_mismatch` for an answer that does not fit; `file_write_failed`;
 *   `renewal_outcome_unknown` when the request went out and no answer came; the connection codes.
 */
export async function renewNodeCertificate(options: RenewNodeOptions): Promise<RenewalOutcome> {
  const now = options.now ?? Date.now;
  const identity = await readNodeIdentityFiles(options.certDir);
  const { nodeName, times } = identity;
  if (now() >= times.notAfter) {
    throw new OtherixError(
      'certificate_expired',
      `cannot renew: the node certificate of ${nodeName} (serial ${times.serial}) expired at ${new Date(times.notAfter).toISOString()}, and a renewal is authenticated by a certificate that is still valid: ${rebootstrapAdvice(nodeName)}`,
      { details: { node_name: nodeName, serial: times.serial, not_after: new Date(times.notAfter).toISOString() } },
    );
  }

  const keyPair = await generateNodeKeyPair();
  const csrPem = await createCsr(keyPair, nodeName);
  // With several URLs a renewal moves on to the next after a connection failure or a 5xx, also
  // when the request may have arrived: sending it again is safe (the leaf whose answer was lost is
  // superseded, and the current certificate keeps working meanwhile; failover.ts).
  const client = createClient({
    cpUrl: options.cpUrl,
    caPem: identity.caPem,
    clientCertificate: { certPem: identity.certPem, keyPem: identity.keyPem },
    ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
  });
  let answer;
  try {
    answer = await client.nodes.renew({ csr_pem: csrPem });
  } catch (error) {
    const unknownAt = failedCallOf(error)?.unknownAt;
    throw (
      unknownRenewalOutcome(error, {
        requestSent: unknownAt !== undefined && unknownAt.length > 0,
        nodeName,
        serial: times.serial,
        cpUrl: unknownAt?.join(', ') ?? '',
      }) ?? error
    );
  } finally {
    await client.close();
  }

  // Nothing in the answer is trusted before it is checked; nothing is written if a check fails.
  const keyPem = await exportPrivateKeyPem(keyPair.privateKey);
  try {
    if (!bundleHoldsCa(answer.ca_bundle_pem, identity.caPem)) {
      throw new OtherixError(
        'chain_invalid',
        `the renewal answer's CA bundle does not hold the pinned CA ${fingerprintOfPem(identity.caPem)}`,
      );
    }
    verifyIssuedIdentity({
      leafPem: answer.certificate_pem,
      caPem: issuerAmong(answer.certificate_pem, identity.caPem),
      spkiDer: publicKeySpkiDerOf(keyPem),
      expectedUri: nodeSpiffeId(nodeName),
      now: new Date(now()),
    });
  } catch (error) {
    if (!isOtherixError(error)) throw error;
    throw new OtherixError(
      error.code,
      `${error.message}; nothing was written, and the current certificate (serial ${times.serial}) keeps working: check the control plane, then renew again`,
      {
        cause: error,
        ...(error.details !== undefined ? { details: error.details } : {}),
      },
    );
  }

  try {
    await writeFileSetAtomic(options.certDir, [
      { name: CERT_FILES.key, data: keyPem, mode: KEY_FILE_MODE },
      { name: CERT_FILES.cert, data: answer.certificate_pem, mode: PUBLIC_FILE_MODE },
      // The CAs this host trusts, as saved: the answer's bundle only had to hold one of them (a
      // CA rotation's new bundle reaches ca.crt through the heartbeats).
      { name: CERT_FILES.ca, data: identity.caFileText, mode: PUBLIC_FILE_MODE },
    ]);
  } catch (error) {
    const cause = error instanceof Error ? error.message : String(error);
    throw new OtherixError(
      isOtherixError(error) ? error.code : 'file_write_failed',
      `the control plane signed a new certificate for ${nodeName}, but it could not be written (${cause}): the current certificate (serial ${times.serial}) keeps working; fix the cause, then renew again`,
      { cause: error },
    );
  }
  return { nodeName, certDir: options.certDir, previous: times, renewed: certificateTimes(answer.certificate_pem), node: answer.node };
}

const BLOCKS = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Whether the answer's bundle holds one of the CAs this host trusts. */
function bundleHoldsCa(bundlePem: string, caPem: string): boolean {
  const trusted = (caPem.match(BLOCKS) ?? []).map((block) => fingerprintOfPem(block));
  const blocks = bundlePem.match(BLOCKS) ?? [];
  return blocks.some((block) => {
    try {
      const fingerprint = fingerprintOfPem(block);
      return trusted.some((pinned) => fingerprintsEqual(fingerprint, pinned));
    } catch {
      return false;
    }
  });
}
