// A node that was away during a whole CA rotation (issue 19 item 4): the CP now serves a
// certificate of a CA this node never learned, so TLS fails before any answer. One unverified look
// at /v1/ca (the SDK's probeCaRotation, presenting the node's certificate so the CP can log which
// node it was) words what happened and the way on (re-bootstrap with a bound token), for serve's
// heartbeats and for `otherix-agent renew` alike. Nothing in the look is trusted.
import { probeCaRotation } from '@otherix/sdk/internal';
import { nodeNameFromSpiffeId, uriSansOf } from '@otherix/sdk/pki';
import { X509Certificate } from 'node:crypto';

export interface MissedRotation {
  code: 'ca_retired';
  message: string;
  details: { served_ca_fingerprint: string; trusted_ca_fingerprints: string[] };
}

/** The name a node certificate carries in its SPIFFE id, or `<name>`. */
function nodeNameOf(certPem: string): string {
  try {
    return (
      uriSansOf(new X509Certificate(certPem))
        .map(nodeNameFromSpiffeId)
        .find((n) => n !== null) ?? '<name>'
    );
  } catch {
    return '<name>';
  }
}

/** Undefined when the CP cannot be reached or serves from a CA this node trusts (then TLS failed for another reason). */
export async function missedRotationOf(options: {
  cpUrl: string;
  certPem: string;
  keyPem: string;
  /** The CAs this node trusts (its ca.crt's). */
  trustedFingerprints: readonly string[];
  requestTimeoutMs: number;
}): Promise<MissedRotation | undefined> {
  const probe = await probeCaRotation({
    cpUrl: options.cpUrl,
    clientCertificate: { certPem: options.certPem, keyPem: options.keyPem },
    requestTimeoutMs: options.requestTimeoutMs,
  });
  const trusted = [...options.trustedFingerprints];
  if (probe === undefined || trusted.includes(probe.servedFingerprint)) return undefined;
  const name = nodeNameOf(options.certPem);
  const retired = probe.retiredFingerprint !== undefined && trusted.includes(probe.retiredFingerprint);
  return {
    code: 'ca_retired',
    message:
      `the control plane presents a certificate of CA ${probe.servedFingerprint}, which this node does not trust (it trusts ${trusted.join(', ')})` +
      `${retired ? `, and it says a CA rotation retired ${probe.retiredFingerprint}` : ''}: this node missed a CA rotation while it was away; ` +
      `mint a join token bound to it (\`otherix node join-token create --node-name ${name}\`, whose output gives the new CA fingerprint) and run \`otherix-agent bootstrap --force\` with that fingerprint on this host; if no CA rotation ran, suspect a man in the middle`,
    details: { served_ca_fingerprint: probe.servedFingerprint, trusted_ca_fingerprints: trusted },
  };
}
