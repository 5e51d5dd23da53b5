// POST /v1/nodes/renew, behind the route (SPEC §8, issue 16): a node rekeys over mTLS with its
// current certificate. In this order: the node's turn (rate limit), the CSR (a new P-384 key,
// proven by the CSR's signature; nothing else is taken from it), signing with the node's own
// names and hosts as the CP recorded them (what the join signed), and one transaction that
// re-checks the presented certificate on fresh state and records the new leaf as pending
// (group-committed with the renewals of the moment, like joins). A refused renewal changes nothing.
//
// The pending leaf: the CP keeps accepting the node's current certificate until the node first
// authenticates with the new leaf (services/node-identity.ts promotes it then, and the old one is
// refused from then on), so an answer lost on the way costs nothing. A renewal presented with the
// current certificate while a leaf is pending supersedes that leaf (its answer was lost).
//
// Every renewal that was signed is told to the listeners of onRenewed (one place for an audit
// line or a metric), and so is a pending leaf's first use (NodeIdentityService.onPendingUsed).
import type { components } from '@otherix/sdk';
import { HttpError } from '../errors.js';
import { publicKeyBitsOf } from '../pki/der.js';
import type { RenewalState } from '../store/renewal-store.js';
import { renewNodeCertificates } from './renewal-batch.js';
import type { RenewalAttempt, RenewalOutcome } from './renewal-batch.js';
import type { Store } from '../store/store.js';
import type { CaTrust } from './ca-trust.js';
import { verifiedCsrKey } from './csr-key.js';
import { GroupCommit, type BatchObserver } from './group-commit.js';
import { renewalSpacingMs } from './node-cert-lifetime.js';
import { certificateRefusal, type NodeIdentity, type NodeIdentityService } from './node-identity.js';
import { nodeToApi } from './node-projection.js';
import { RenewalLimiter } from './renewal-rate-limit.js';

type RenewResponse = components['schemas']['RenewResponse'];

/** A renewal that was signed and recorded. */
export interface NodeRenewed {
  nodeId: string;
  nodeName: string;
  /** The certificate the renewal came with (still accepted until the new one is used). */
  previousSerial: string;
  serial: string;
  notAfter: number;
  /** A pending leaf the renewal replaced before it was used (a lost answer), if any. */
  supersededSerial: string | undefined;
  at: number;
}

export interface RenewalOptions {
  store: Store;
  /** The trust of the moment: its signing CA signs, its bundle is answered (CA rotation). */
  ca: () => CaTrust;
  now: () => number;
  identity: NodeIdentityService;
  /** The node-certificate lifetime (--node-cert-lifetime), from signing. */
  lifetimeMs: number;
  /** Hears each group commit of renewals (metrics). */
  commitObserver?: BatchObserver | undefined;
}

/** Renewals written together at most (each waits for its batch's commit), as for joins. */
const MAX_RENEWALS_PER_TRANSACTION = 64;

export class RenewalService {
  private readonly limiter: RenewalLimiter;
  private readonly listeners: Array<(event: NodeRenewed) => void> = [];
  /** Renewals that arrive while one batch is being written go into the next transaction together. */
  private readonly commits: GroupCommit<RenewalAttempt, RenewalOutcome>;

  constructor(private readonly options: RenewalOptions) {
    this.limiter = new RenewalLimiter(renewalSpacingMs(options.lifetimeMs), options.now);
    this.commits = new GroupCommit(
      (attempts) => renewNodeCertificates(options.store, attempts),
      MAX_RENEWALS_PER_TRANSACTION,
      options.commitObserver,
    );
  }

  /** Waits for every renewal accepted so far to be written (before the store closes). */
  drain(): Promise<void> {
    return this.commits.drain();
  }

  /** Hears every renewal that was signed and recorded (audit, metrics). A listener must not throw. */
  onRenewed(listener: (event: NodeRenewed) => void): void {
    this.listeners.push(listener);
  }

  /** `node`: who the mTLS layer says sent it, with the public key of the certificate it came with. */
  async renew(
    node: NodeIdentity,
    csrPem: string,
    options: { rotationAsked?: boolean } = {},
  ): Promise<{ response: RenewResponse; renewed: NodeRenewed }> {
    const { store, ca, now, identity } = this.options;
    this.limiter.acquire(node.nodeId, node.name, options.rotationAsked === true);
    let renewed = false;
    try {
      const spkiDer = await verifiedNewKey(csrPem, node.publicKey);
      const row = await store.findNodeById(node.nodeId);
      if (row === undefined) throw await identity.refusal(node.name, node.serial);
      // The join signed these: the name, and the endpoint and migration hosts in canonical form.
      const hosts = [...new Set([row.endpointHost, row.migrationHost])];
      const issuedAt = now();
      const certificate = await ca().signing.issueNodeCertificate({
        nodeName: row.name,
        spkiDer,
        hosts,
        now: issuedAt,
        lifetimeMs: this.options.lifetimeMs,
      });
      const outcome = await this.commits.submit({
        nodeId: node.nodeId,
        presentedSerial: node.serial,
        certificate: { serial: certificate.serial, notAfter: certificate.notAfter, issuedAt },
        decide: (state) => assertRenewable(state, node),
      });
      if (!outcome.ok) throw outcome.error;
      const { result } = outcome;
      renewed = true;
      // A request that came with the pending leaf made it current first (authentication normally
      // has done so already; this is the race where both happened at once).
      if (result.promoted !== undefined) identity.pendingUsed({ nodeId: node.nodeId, name: node.name, ...result.promoted });
      const event: NodeRenewed = {
        nodeId: node.nodeId,
        nodeName: node.name,
        previousSerial: node.serial,
        serial: certificate.serial,
        notAfter: certificate.notAfter,
        supersededSerial: result.superseded,
        at: issuedAt,
      };
      for (const listener of this.listeners) listener(event);
      // The node as it will be once it uses the new leaf: the answer describes what it received.
      const shown = { ...result.node, certSerial: certificate.serial, certNotAfter: certificate.notAfter };
      return {
        response: { node: nodeToApi(shown, now()), certificate_pem: certificate.certPem, ca_bundle_pem: ca().bundlePem },
        renewed: event,
      };
    } finally {
      this.limiter.finish(node.nodeId, renewed);
    }
  }
}

/** The presented certificate is still one the CP accepts for this node: its current one, or the pending leaf. */
function assertRenewable(state: RenewalState, node: NodeIdentity): void {
  const { presented } = state;
  if (
    state.node !== undefined &&
    presented !== undefined &&
    presented.nodeId === node.nodeId &&
    (presented.status === 'current' || presented.status === 'pending')
  )
    return;
  throw certificateRefusal(node.name, node.serial, state.node === undefined ? (presented?.status ?? 'revoked') : presented?.status);
}

/**
 * The CSR's key, once its signature proves possession: P-384 and not the key of the certificate
 * presented. `presentedPoint` is that key as TLS reports it, the encoded EC point; the CSR's key is
 * re-encoded by verifyCsr in the same uncompressed form every leaf of this CA carries, so the two
 * are compared as bytes (no key parsing on the event loop).
 */
async function verifiedNewKey(csrPem: string, presentedPoint: Buffer | undefined): Promise<Buffer> {
  const spkiDer = await verifiedCsrKey(csrPem);
  if (presentedPoint !== undefined && publicKeyBitsOf(spkiDer).equals(presentedPoint)) {
    throw new HttpError(
      'validation_failed',
      'csr_pem: the CSR is for the key of the certificate this request came with: a renewal is a rekey; generate a new P-384 key and send a CSR for it',
      { field: 'csr_pem', problem: 'key_reused' },
    );
  }
  return spkiDer;
}
