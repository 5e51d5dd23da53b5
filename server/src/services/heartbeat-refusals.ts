// What "a node whose heartbeats are all being refused" means, for a node that still exists: a
// heartbeat that came with the node's current certificate (the serial the CP issued it last, over
// a TLS handshake that proved its key) and was refused anyway, because
//   - the request failed validation (a body the CP does not take, too large, not JSON), or
//   - the certificate is outside its validity period on the CP's clock (expired, or not valid
//     yet: the CP's clock stepped back past the certificate's start).
// Each such refusal stamps the node's last_refused_heartbeat_at; an accepted heartbeat clears it.
// A node with a refusal since its last accepted heartbeat is not_ready at once
// (services/node-projection.ts), whatever its last_heartbeat_at says. A heartbeat with a replaced
// or revoked certificate, or one that is not the CA's, does not count: the node's current
// certificate may well be beating from the right host.
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import { nodeNameFromSpiffeId, uriSansOf } from '@otherix/sdk/pki';
import type { FastifyBaseLogger } from 'fastify';
import type { Store } from '../store/store.js';
import { normalizeSerial } from './ca.js';
import type { CaTrust } from './ca-trust.js';

/** OpenSSL's verdicts that say only "not now" about a certificate the CA did sign. */
const OUTSIDE_VALIDITY = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

export class HeartbeatRefusals {
  constructor(
    private readonly store: Store,
    private readonly now: () => number,
    /** The CAs trusted now (two during a CA rotation). */
    private readonly trust: () => CaTrust,
  ) {}

  /** Stamps the refusal while `serial` is still the node's current certificate; never throws. */
  async record(nodeId: string, serial: string, log?: FastifyBaseLogger): Promise<void> {
    try {
      await this.store.nodes.recordRefusedHeartbeat(nodeId, serial, this.now());
    } catch (error) {
      log?.error({ err: error, node_id: nodeId }, 'could not record a refused heartbeat');
    }
  }

  /**
   * The node name and serial of a client certificate that TLS refused only for its dates, once
   * its signature is checked against the cluster CA here (the handshake proved the key); undefined
   * for any other certificate.
   */
  outdatedNodeCertificate(reason: string, certificate: PeerCertificate): { name: string; serial: string } | undefined {
    if (!OUTSIDE_VALIDITY.has(reason) || certificate.raw === undefined) return undefined;
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(certificate.raw);
    } catch {
      return undefined;
    }
    const issuer = this.trust().issuerOf(cert);
    if (issuer === undefined || !cert.verify(new X509Certificate(issuer.certPem).publicKey)) return undefined;
    const uris = uriSansOf(cert);
    const name = uris.length === 1 ? nodeNameFromSpiffeId(uris[0]) : null;
    return name === null ? undefined : { name, serial: normalizeSerial(cert.serialNumber) };
  }
}
