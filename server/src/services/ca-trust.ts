// Which cluster CA does what in each phase of a CA rotation (issue 19). O is the cluster's CA, N
// the new one a rotation created:
//
//   phase           trusted   signs joins/renewals   CP serves   CP client identity   nodes asked to renew
//   standby         O         O                      O           O                    -
//   init            O, N      O                      O           O                    -
//   update_clients  O, N      N                      O           N                    those with an O leaf
//   update_servers  O, N      N                      N           N                    those with an O leaf
//   rollback        O, N      O                      O           O                    those with an N leaf
//   (completed)     N         N                      N           N                    -  (O retired)
//
// The bundle handed out (heartbeat answers, /v1/ca, join and renewal answers) is the serving CA
// first, the other trusted CA, then the two cross-certificates (each CA's key certified by the
// other), so a client pinned to either CA can cover both (the SDK's readTrustBundle).
import { X509Certificate } from 'node:crypto';
import type { ClusterCa } from './ca.js';
import type { RotationPhase } from '../store/ca-rotation-store.js';

export class CaTrust {
  private readonly certs: Map<ClusterCa, X509Certificate>;
  private readonly retiredCert: X509Certificate | undefined;

  constructor(
    /** The cluster's CA (O until a rotation completes). */
    readonly current: ClusterCa,
    /** The rotation's new CA, in every phase but standby. */
    readonly next: ClusterCa | undefined,
    readonly phase: RotationPhase,
    /** The two cross-certificates, PEM, while a rotation runs. */
    readonly crossPem: string | undefined,
    /** The CA the last completed rotation retired. */
    readonly retiredPem: string | undefined,
    /** The stored row's version this state was built from. */
    readonly version: number,
    readonly phaseSince: number,
  ) {
    this.certs = new Map(this.trusted.map((ca) => [ca, new X509Certificate(ca.certPem)]));
    this.retiredCert = retiredPem === undefined ? undefined : new X509Certificate(retiredPem);
  }

  get rotating(): boolean {
    return this.next !== undefined && this.phase !== 'standby';
  }

  /** Signs joins, re-issues and renewals. */
  get signing(): ClusterCa {
    return this.next !== undefined && (this.phase === 'update_clients' || this.phase === 'update_servers') ? this.next : this.current;
  }

  /** Signs the CP's serving certificate; what /v1/ca answers and clients pin. */
  get serving(): ClusterCa {
    return this.next !== undefined && this.phase === 'update_servers' ? this.next : this.current;
  }

  /** Signs the CP's client certificate toward agents. */
  get client(): ClusterCa {
    return this.signing;
  }

  get trusted(): ClusterCa[] {
    return this.rotating ? [this.current, this.next!] : [this.current];
  }

  /** The trusted CAs' PEMs: the TLS `ca` of the CP's listener. */
  get trustedPems(): string[] {
    return this.trusted.map((ca) => ca.certPem);
  }

  get fingerprints(): string[] {
    return this.trusted.map((ca) => ca.fingerprint);
  }

  /** The bundle clients save: the serving CA, the other trusted CA, the cross-certificates. */
  get bundlePem(): string {
    const serving = this.serving;
    const others = this.trusted.filter((ca) => ca !== serving).map((ca) => ca.certPem);
    return [serving.certPem, ...others, ...(this.rotating && this.crossPem !== undefined ? [this.crossPem] : [])]
      .map((pem) => (pem.endsWith('\n') ? pem : `${pem}\n`))
      .join('');
  }

  /** The trusted CA that issued `cert` (names and key identifiers; TLS checked the signature), if any. */
  issuerOf(cert: X509Certificate): ClusterCa | undefined {
    for (const [ca, caCert] of this.certs) if (cert.checkIssued(caCert)) return ca;
    return undefined;
  }

  /** Whether the retired CA signed `cert` (signature checked: the retired CA is no longer trusted by TLS). */
  isRetired(cert: X509Certificate): boolean {
    return this.retiredCert !== undefined && cert.checkIssued(this.retiredCert) && cert.verify(this.retiredCert.publicKey);
  }

  /**
   * After a completed rotation: the retired CA's cross-certificate of the cluster's CA (kept from
   * the rotation), for clients that pinned only the retired CA (openapi.yaml CaBundle).
   */
  get endorsementPem(): string | undefined {
    if (this.rotating || this.retiredCert === undefined || this.crossPem === undefined) return undefined;
    const current = new X509Certificate(this.current.certPem);
    const blocks = this.crossPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];
    return blocks.find((block) => {
      const cross = new X509Certificate(block);
      return cross.publicKey.equals(current.publicKey) && cross.verify(this.retiredCert!.publicKey);
    });
  }

  get retiredFingerprint(): string | undefined {
    return this.retiredCert === undefined ? undefined : `sha256:${this.retiredCert.fingerprint256.replace(/:/g, '').toLowerCase()}`;
  }
}
