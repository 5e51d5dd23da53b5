// Who sent a heartbeat: the node named by its client certificate (SPEC §4). The certificate
// must chain to the cluster CA (TLS layer), carry exactly one spiffe://otherix/node/<name>, and
// have the serial the CP issued to that node most recently. The peer certificate is parsed once
// per TLS connection, and node name -> {id, serial} is cached: the heartbeat's write re-checks
// the serial at commit, so a stale cache entry can never let a replaced or revoked serial in.
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { CONTROL_PLANE_SPIFFE_ID, nodeNameFromSpiffeId, uriSansOf } from '@otherix/sdk';
import { HttpError } from '../errors.js';
import type { Store } from '../store/store.js';
import { normalizeSerial } from './ca.js';
import type { HeartbeatRefusals } from './heartbeat-refusals.js';

export interface NodeIdentity {
  nodeId: string;
  name: string;
  /** The presented certificate's serial, lower-case hex without leading zeros. */
  serial: string;
}

/** What the TLS layer told us about a connection's client certificate. */
type PeerIdentity =
  | { kind: 'none' }
  | { kind: 'untrusted'; reason: string; certificate?: PeerCertificate }
  | { kind: 'not_a_node'; identity: string }
  | { kind: 'node'; name: string; serial: string };

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
  return { kind: 'node', name: names[0]!, serial: normalizeSerial(certificate.serialNumber) };
}

export class NodeIdentityService {
  private readonly peers = new WeakMap<TLSSocket, PeerIdentity>();
  /** name -> the node's id and current serial, as last read; only a hint (see the header). */
  private readonly current = new Map<string, { nodeId: string; serial: string }>();

  /** `refusals`: where a refused heartbeat of a node's current (but outdated) certificate is noted. */
  constructor(
    private readonly store: Store,
    private readonly refusals?: HeartbeatRefusals,
  ) {}

  /** The node behind this connection, or 401 unauthenticated / 403 forbidden. */
  async authenticate(socket: TLSSocket): Promise<NodeIdentity> {
    let peer = this.peers.get(socket);
    if (peer === undefined) {
      peer = peerIdentityOf(socket);
      this.peers.set(socket, peer);
    }
    switch (peer.kind) {
      case 'none':
        throw new HttpError(
          'unauthenticated',
          'heartbeats are authenticated only by the node\'s client certificate (mTLS) and none was presented (API tokens are not accepted here): send it with the node\'s agent.crt and agent.key',
        );
      case 'untrusted':
        await this.noteOutdated(peer.reason, peer.certificate);
        throw new HttpError('unauthenticated', untrustedMessage(peer.reason), { tls_verification: peer.reason });
      case 'not_a_node':
        throw new HttpError('forbidden', `the client certificate (${peer.identity}) is not a node identity (spiffe://otherix/node/<name>): only nodes send heartbeats`);
      case 'node':
        break;
    }
    const cached = this.current.get(peer.name);
    if (cached !== undefined && cached.serial === peer.serial) return { nodeId: cached.nodeId, name: peer.name, serial: peer.serial };
    const node = await this.store.findNodeByName(peer.name);
    if (node === undefined || node.certSerial !== peer.serial) {
      if (node === undefined) this.current.delete(peer.name);
      else this.current.set(peer.name, { nodeId: node.id, serial: node.certSerial });
      throw await this.refusal(peer.name, peer.serial);
    }
    this.current.set(peer.name, { nodeId: node.id, serial: node.certSerial });
    return { nodeId: node.id, name: peer.name, serial: peer.serial };
  }

  /** A node's current certificate refused for its dates on the CP's clock: the node is not heard (heartbeat-refusals.ts). */
  private async noteOutdated(reason: string, certificate: PeerCertificate | undefined): Promise<void> {
    if (this.refusals === undefined || certificate === undefined) return;
    const outdated = this.refusals.outdatedNodeCertificate(reason, certificate);
    if (outdated === undefined) return;
    const node = await this.store.findNodeByName(outdated.name);
    if (node !== undefined && node.certSerial === outdated.serial) await this.refusals.record(node.id, outdated.serial);
  }

  /** Drops what is known of a node (deleted, or its heartbeat did not land). */
  forget(name: string): void {
    this.current.delete(name);
  }

  /** Why a node certificate that chains to the CA is not (or no longer) accepted: 401 with what to do. */
  async refusal(name: string, serial: string): Promise<HttpError> {
    const issued = await this.store.findNodeCertificate(serial);
    const details = { node_name: name, serial, certificate_status: issued?.status ?? 'unknown' };
    if (issued?.status === 'replaced') {
      return new HttpError('unauthenticated', `this certificate of node ${name} (serial ${serial}) was replaced by a later join and no longer works: run the agent with the new certificate, or ${rebootstrap(name)}`, details);
    }
    if (issued?.status === 'revoked') {
      return new HttpError('unauthenticated', `node ${name} was deleted and its certificate (serial ${serial}) revoked: to bring the host back, ${rebootstrap(name)}`, details);
    }
    return new HttpError('unauthenticated', `no node ${name} holds the certificate with serial ${serial}: ${rebootstrap(name)}`, details);
  }
}
