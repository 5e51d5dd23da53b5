// Who sent a heartbeat or a renewal: the node named by its client certificate (SPEC §4). The
// certificate must chain to the cluster CA (TLS layer), carry exactly one
// spiffe://otherix/node/<name>, and have the serial of the node's current certificate, or of the
// pending leaf of a renewal (issue 16): the node's first request with that leaf makes it the
// current certificate, and the old one is refused from then on. The peer certificate is parsed
// once per TLS connection, and node name -> {id, serial} is cached: the heartbeat's write
// re-checks the serial at commit, so a stale cache entry can never let a replaced or revoked
// serial in.
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { CONTROL_PLANE_SPIFFE_ID, nodeNameFromSpiffeId, uriSansOf } from '@otherix/sdk/pki';
import { HttpError } from '../errors.js';
import type { CertificateStatus, Store } from '../store/store.js';
import { normalizeSerial } from './ca.js';
import type { HeartbeatRefusals } from './heartbeat-refusals.js';
import type { CaTrust } from './ca-trust.js';

export interface NodeIdentity {
  nodeId: string;
  name: string;
  /** The presented certificate's serial, lower-case hex without leading zeros. */
  serial: string;
  /** The presented certificate's public key as TLS reports it (for EC: the encoded point), read once per connection. */
  publicKey?: Buffer | undefined;
}

/** A node authenticated with its renewed leaf for the first time: from now on `previousSerial` is refused. */
export interface PendingLeafUsed {
  nodeId: string;
  name: string;
  serial: string;
  /** The certificate it replaced (now 'renewed'), when there was one. */
  previousSerial: string | undefined;
}

/** What the TLS layer told us about a connection's client certificate. */
type PeerIdentity =
  | { kind: 'none' }
  | { kind: 'untrusted'; reason: string; certificate?: PeerCertificate }
  | { kind: 'not_a_node'; identity: string }
  | { kind: 'node'; name: string; serial: string; publicKey: Buffer | undefined; validFrom: number; validTo: number };

const rebootstrap = (name = '<name>'): string =>
  `mint a join token bound to the node (\`otherix node join-token create --node-name ${name}\`) and re-run \`otherix-agent bootstrap --force\` on the host`;
const REBOOTSTRAP = rebootstrap();

/** OpenSSL's verdicts on validity dates get their own advice; anything else did not chain to the CA. */
function untrustedMessage(reason: string): string {
  if (reason === 'CERT_HAS_EXPIRED') return `the client certificate has expired: ${REBOOTSTRAP}`;
  if (reason === 'CERT_NOT_YET_VALID') return `the client certificate is not valid yet: check the clocks of the node and the control plane`;
  return `the client certificate was not issued by this cluster's CA (${reason}): a node gets its certificate by joining; ${REBOOTSTRAP}`;
}

/** Reads the connection's peer certificate; called once per TLS socket. */
export function peerIdentityOf(socket: TLSSocket): PeerIdentity {
  const certificate = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate(false) : null;
  if (certificate === null || Object.keys(certificate).length === 0) return { kind: 'none' };
  if (socket.authorized !== true) {
    const error = socket.authorizationError as Error | string | null | undefined;
    const reason = error === null || error === undefined ? 'not verified' : String((error as Error).message ?? error);
    return { kind: 'untrusted', reason, certificate };
  }
  const uris = uriSansOf(certificate);
  if (uris.includes(CONTROL_PLANE_SPIFFE_ID)) return { kind: 'not_a_node', identity: CONTROL_PLANE_SPIFFE_ID };
  const names = uris.map(nodeNameFromSpiffeId).filter((name): name is string => name !== null);
  if (names.length !== 1 || uris.length !== 1) {
    return { kind: 'not_a_node', identity: uris.length === 0 ? 'no URI SAN' : uris.join(', ') };
  }
  return {
    kind: 'node',
    name: names[0],
    serial: normalizeSerial(certificate.serialNumber),
    publicKey: certificate.pubkey,
    validFrom: Date.parse(certificate.valid_from),
    validTo: Date.parse(certificate.valid_to),
  };
}

/**
 * OpenSSL checks a client certificate's dates only in a full handshake: not on a TLS session
 * resumed from a ticket, and never again on a connection kept alive past the certificate's end.
 * So each request checks them on the CP's clock; the verdict is named as OpenSSL names it.
 */
function outsideValidity(peer: { validFrom: number; validTo: number }, now: number): 'CERT_HAS_EXPIRED' | 'CERT_NOT_YET_VALID' | undefined {
  if (!(now <= peer.validTo)) return 'CERT_HAS_EXPIRED';
  if (!(now >= peer.validFrom)) return 'CERT_NOT_YET_VALID';
  return undefined;
}

export class NodeIdentityService {
  private readonly peers = new WeakMap<TLSSocket, PeerIdentity>();
  /** name -> the node's id and current serial, as last read; only a hint (see the header). */
  private readonly current = new Map<string, { nodeId: string; serial: string }>();

  /**
   * `refusals`: where a refused heartbeat of a node's current (but outdated) certificate is noted.
   * `now`: the CP's clock, which a certificate's dates are checked against on every request.
   */
  constructor(
    private readonly store: Store,
    private readonly refusals?: HeartbeatRefusals,
    private readonly now: () => number = Date.now,
    /** The CAs trusted now, and the one a completed CA rotation retired (refused with ca_retired). */
    private readonly trust?: () => CaTrust,
  ) {}

  private readonly pendingUsedListeners: Array<(event: PendingLeafUsed) => void> = [];

  /** Hears each node's first request with a renewal's pending leaf, which made it current (audit, metrics). A listener must not throw. */
  onPendingUsed(listener: (event: PendingLeafUsed) => void): void {
    this.pendingUsedListeners.push(listener);
  }

  /**
   * The node behind this connection, or 401 unauthenticated / 403 forbidden. `noteOutdated`: a
   * current certificate refused for its dates marks the node not_ready (heartbeats only: a refused
   * renewal changes nothing).
   */
  async authenticate(socket: TLSSocket, options: { noteOutdated?: boolean } = {}): Promise<NodeIdentity> {
    let peer = this.peers.get(socket);
    if (peer === undefined) {
      peer = peerIdentityOf(socket);
      this.peers.set(socket, peer);
    }
    switch (peer.kind) {
      case 'none':
        throw new HttpError(
          'unauthenticated',
          "heartbeats and renewals are authenticated only by the node's client certificate (mTLS) and none was presented (API tokens are not accepted here): send it with the node's agent.crt and agent.key",
        );
      case 'untrusted':
        this.refuseRetired(peer.certificate);
        if (options.noteOutdated !== false) await this.noteOutdated(peer.reason, peer.certificate);
        throw new HttpError('unauthenticated', untrustedMessage(peer.reason), { tls_verification: peer.reason });
      case 'not_a_node':
        throw new HttpError(
          'forbidden',
          `the client certificate (${peer.identity}) is not a node identity (spiffe://otherix/node/<name>): only nodes send heartbeats and renewals`,
        );
      case 'node': {
        this.refuseRetiredConnection(socket);
        const outside = outsideValidity(peer, this.now());
        if (outside === undefined) break;
        if (options.noteOutdated !== false) await this.noteOutdatedNode(peer.name, peer.serial);
        throw new HttpError('unauthenticated', untrustedMessage(outside), { tls_verification: outside });
      }
    }
    const cached = this.current.get(peer.name);
    if (cached !== undefined && cached.serial === peer.serial)
      return { nodeId: cached.nodeId, name: peer.name, serial: peer.serial, publicKey: peer.publicKey };
    let node = await this.store.findNodeByName(peer.name);
    if (node !== undefined && node.certSerial !== peer.serial && (await this.usePending(node.id, peer.name, peer.serial))) {
      node = await this.store.findNodeByName(peer.name);
    }
    if (node === undefined || node.certSerial !== peer.serial) {
      if (node === undefined) this.current.delete(peer.name);
      else this.current.set(peer.name, { nodeId: node.id, serial: node.certSerial });
      throw await this.refusal(peer.name, peer.serial);
    }
    this.current.set(peer.name, { nodeId: node.id, serial: node.certSerial });
    return { nodeId: node.id, name: peer.name, serial: peer.serial, publicKey: peer.publicKey };
  }

  /**
   * The node's first request with a renewal's pending leaf: from now on it is the node's current
   * certificate and the previous one is refused. True when `serial` was pending (or has just been
   * made current by a request racing this one), so the caller reads the node again.
   */
  private async usePending(nodeId: string, name: string, serial: string): Promise<boolean> {
    const issued = await this.store.findNodeCertificate(serial);
    if (issued === undefined || issued.nodeId !== nodeId || issued.status !== 'pending') return issued?.status === 'current';
    const promoted = await this.store.renewals.promotePending(nodeId, serial);
    if (promoted !== undefined) this.pendingUsed({ nodeId, name, serial, previousSerial: promoted.previousSerial });
    return true;
  }

  /** A pending leaf was made current (here, or by a renewal that came with it): remembered and told. */
  pendingUsed(event: PendingLeafUsed): void {
    this.current.set(event.name, { nodeId: event.nodeId, serial: event.serial });
    for (const listener of this.pendingUsedListeners) listener(event);
  }

  /** A node's current certificate refused for its dates on the CP's clock: the node is not heard (heartbeat-refusals.ts). */
  private async noteOutdated(reason: string, certificate: PeerCertificate | undefined): Promise<void> {
    if (this.refusals === undefined || certificate === undefined) return;
    const outdated = this.refusals.outdatedNodeCertificate(reason, certificate);
    if (outdated !== undefined) await this.noteOutdatedNode(outdated.name, outdated.serial);
  }

  /** The node's current certificate was refused for its dates: the node is not heard. */
  private async noteOutdatedNode(name: string, serial: string): Promise<void> {
    if (this.refusals === undefined) return;
    const node = await this.store.findNodeByName(name);
    if (node !== undefined && node.certSerial === serial) await this.refusals.record(node.id, serial);
  }

  /** TLS socket -> the trust version its certificate was last found not retired under. */
  private readonly retiredChecks = new WeakMap<TLSSocket, number>();

  /**
   * A connection opened before a CA rotation completed keeps the TLS context it was opened with:
   * its certificate is checked against the retired CA on its next request (once per socket and
   * trust version), so a certificate of the retired CA stops working on open connections too.
   */
  private refuseRetiredConnection(socket: TLSSocket): void {
    const trust = this.trust?.();
    if (trust?.retiredPem === undefined || this.retiredChecks.get(socket) === trust.version) return;
    this.refuseRetired(socket.getPeerCertificate(false));
    this.retiredChecks.set(socket, trust.version);
  }

  /**
   * A certificate of the CA a completed rotation retired: the node missed the whole rotation (it
   * was offline), and only a new join gives it a certificate of the cluster's CA.
   */
  private refuseRetired(certificate: PeerCertificate | undefined): void {
    const trust = this.trust?.();
    if (trust === undefined || certificate?.raw === undefined) return;
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(certificate.raw);
    } catch {
      return;
    }
    if (!trust.isRetired(cert)) return;
    const name = uriSansOf(cert)
      .map(nodeNameFromSpiffeId)
      .find((n): n is string => n !== null);
    throw new HttpError(
      'ca_retired',
      `the certificate of node ${name ?? '<unknown>'} was signed by the cluster CA ${trust.retiredFingerprint ?? ''}, which a CA rotation retired while the node was away; the cluster CA is now ${trust.current.fingerprint}: ${rebootstrap(name)} (pin the new fingerprint, which \`otherix node join-token create\` prints)`,
      { node_name: name ?? null, retired_ca_fingerprint: trust.retiredFingerprint, ca_fingerprint: trust.current.fingerprint },
    );
  }

  /** Drops what is known of a node (deleted, or its heartbeat did not land). */
  forget(name: string): void {
    this.current.delete(name);
  }

  /** Why a node certificate that chains to the CA is not (or no longer) accepted: 401 with what to do. */
  async refusal(name: string, serial: string): Promise<HttpError> {
    const issued = await this.store.findNodeCertificate(serial);
    return certificateRefusal(name, serial, issued?.status);
  }
}

/** The refusal of a node certificate the CP no longer (or never) accepts, by its recorded status. */
export function certificateRefusal(name: string, serial: string, status: CertificateStatus | undefined): HttpError {
  const details = { node_name: name, serial, certificate_status: status ?? 'unknown' };
  switch (status) {
    case 'replaced':
      return new HttpError(
        'unauthenticated',
        `this certificate of node ${name} (serial ${serial}) was replaced by a later join and no longer works: run the agent with the new certificate, or ${rebootstrap(name)}`,
        details,
      );
    case 'revoked':
      return new HttpError(
        'unauthenticated',
        `node ${name} was deleted and its certificate (serial ${serial}) revoked: to bring the host back, ${rebootstrap(name)}`,
        details,
      );
    case 'renewed':
      return new HttpError(
        'unauthenticated',
        `this certificate of node ${name} (serial ${serial}) was renewed, and the node has used its new certificate since: use the new one in the agent's cert dir (a running serve does by itself), or ${rebootstrap(name)}`,
        details,
      );
    case 'superseded':
      return new HttpError(
        'unauthenticated',
        `this certificate of node ${name} (serial ${serial}) came from a renewal that was renewed again before the certificate was used: it never works; the agent renews again with its current certificate, or ${rebootstrap(name)}`,
        details,
      );
    default:
      return new HttpError('unauthenticated', `no node ${name} holds the certificate with serial ${serial}: ${rebootstrap(name)}`, details);
  }
}
