// The join, server side (SPEC §4), in this order: token shape, lookup by hash, the guess limit
// (unknown tokens only), token state, request rules, the CSR, the existing-name and host rules, signing, and one
// transaction that re-checks every state rule and commits consumption + node + serial together
// (group-committed with the redemptions of the moment, each judged on the state before it).
// A refused redemption changes nothing.
import { randomUUID } from 'node:crypto';
import { isTokenShape } from '@otherix/sdk';
import { canonicalHost, hashToken } from '@otherix/sdk/internal';
import type { components } from '@otherix/sdk';
import { HttpError } from '../errors.js';
import type { JoinTokenRow, NodeRow, RedemptionState, Store } from '../store/store.js';
import type { CaTrust } from './ca-trust.js';
import { verifiedCsrKey } from './csr-key.js';
import { GroupCommit } from './group-commit.js';
import type { BatchObserver } from './group-commit.js';
import { redeemJoinTokens } from './redemption-batch.js';
import type { RedemptionAttempt, RedemptionOutcome } from './redemption-batch.js';
import { assertNodeName, assertPortRange, endpointHost, isLoopbackHost, migrationHostOf } from './join-request-rules.js';
import { nodeToApi } from './node-projection.js';
import type { GuessLimiter } from './rate-limit.js';
import { isoTimestamp as iso } from '../timestamps.js';

type JoinRequest = components['schemas']['JoinRequest'];
type JoinResponse = components['schemas']['JoinResponse'];
type TokenRejectedReason = components['schemas']['TokenRejectedReason'];

/** A committed redemption: the answer, and what the audit trail records of it. */
export interface Redeemed {
  response: JoinResponse;
  /** True when a known node's certificate was re-issued (not a new node). */
  reissued: boolean;
  joinTokenId: string;
}

const MINT_HINT = 'mint a new one with `otherix node join-token create`';

function rejected(reason: TokenRejectedReason, message: string): HttpError {
  return new HttpError('token_rejected', message, { reason });
}

/** Token state rules; run before signing and again inside the transaction. */
export function assertTokenRedeemable(token: JoinTokenRow | undefined, nodeName: string, now: number): asserts token is JoinTokenRow {
  if (token === undefined)
    throw rejected('unknown', `the join token is not known to this control plane: check that it was copied whole, or ${MINT_HINT}`);
  if (token.revokedAt !== null) throw rejected('revoked', `the join token was revoked at ${iso(token.revokedAt)}: ${MINT_HINT}`);
  if (token.expiresAt <= now) throw rejected('expired', `the join token expired at ${iso(token.expiresAt)}: ${MINT_HINT}`);
  if (token.maxUses !== 0 && token.consumed >= token.maxUses) {
    throw rejected('exhausted', `the join token has been used ${token.consumed} of ${token.maxUses} times: ${MINT_HINT}`);
  }
  if (token.nodeName !== null && token.nodeName !== nodeName) {
    throw rejected(
      'node_name_mismatch',
      `the join token is bound to node ${token.nodeName}, not ${nodeName}: bootstrap with --node-name ${token.nodeName}, or ${MINT_HINT} --node-name ${nodeName}`,
    );
  }
}

/** Cluster state rules: a known name needs a token bound to it; hosts belong to one node (or the CP). */
export function assertClusterAllows(
  state: Pick<RedemptionState, 'existingNode' | 'collidingNodes'>,
  token: JoinTokenRow,
  nodeName: string,
): void {
  if (state.existingNode !== undefined && token.nodeName !== nodeName) {
    throw new HttpError(
      'conflict',
      `node ${nodeName} already exists: a fleet token cannot take over a node's identity; to re-issue its certificate, mint a token bound to it with \`otherix node join-token create --node-name ${nodeName}\``,
      { node_name: nodeName },
    );
  }
  const other = state.collidingNodes[0];
  if (other !== undefined) {
    throw new HttpError(
      'conflict',
      `a host of this join is already used by node ${other.name} (${other.endpointHost}, ${other.migrationHost}): give this node its own addresses, or delete ${other.name} first`,
      { node_name: other.name },
    );
  }
}

interface RedemptionOptions {
  store: Store;
  /** The trust of the moment: its signing CA signs, its bundle is answered (CA rotation). */
  ca: () => CaTrust;
  now: () => number;
  guessLimiter: GuessLimiter;
  /** The CP's own hosts (its serving certificate's names): a node may not claim them. */
  controlPlaneHosts: readonly string[];
  /** The node leaves' lifetime from signing (--node-cert-lifetime). */
  lifetimeMs: number;
  /** Hears each group commit of redemptions (metrics). */
  commitObserver?: BatchObserver | undefined;
}

/** Redemptions written together at most (each waits for its batch's commit). */
const MAX_REDEMPTIONS_PER_TRANSACTION = 64;

export class RedemptionService {
  private readonly controlPlaneHosts: ReadonlySet<string>;
  /** Redemptions that arrive while one is being written go into the next transaction together. */
  private readonly commits: GroupCommit<RedemptionAttempt, RedemptionOutcome>;

  constructor(private readonly options: RedemptionOptions) {
    // Compared in the one canonical form: `VM.` is the CP's `vm`, ::ffff:10.0.0.1 is 10.0.0.1.
    this.controlPlaneHosts = new Set(options.controlPlaneHosts.map(canonicalHost));
    this.commits = new GroupCommit(
      (attempts) => redeemJoinTokens(options.store, attempts),
      MAX_REDEMPTIONS_PER_TRANSACTION,
      options.commitObserver,
    );
  }

  /** Waits for every redemption accepted so far to be written (before the store closes). */
  drain(): Promise<void> {
    return this.commits.drain();
  }

  async redeem(request: JoinRequest, sourceIp: string): Promise<Redeemed> {
    const { store, ca, now, guessLimiter } = this.options;
    // Shape before any use: a malformed string never reaches the database.
    if (!isTokenShape('join', request.token)) {
      throw new HttpError(
        'validation_failed',
        'token: not a join token (expected otx_join_ and 43 base64url characters): copy the whole value the CP printed',
        { field: 'token' },
      );
    }
    const tokenHash = hashToken(request.token);
    // A real token is always answered (hosts behind one NAT must not block each other's joins);
    // only unknown tokens count as guesses, and the count is synchronous after the lookup, so a
    // concurrent burst of guesses gets exactly `limit` 401s.
    const token = await store.findJoinTokenByHash(tokenHash);
    if (token === undefined) guessLimiter.recordGuess(sourceIp);
    const name = request.node_name;
    assertTokenRedeemable(token, name, now());

    assertNodeName(name);
    const endpoint = endpointHost(request.advertised_endpoint);
    const migrationHost = migrationHostOf(request.migration.host);
    assertPortRange(request.migration.port_range_start, request.migration.port_range_end);
    const spkiDer = await verifiedCsrKey(request.csr_pem);

    const hosts = [...new Set([endpoint, migrationHost])];
    const claimed = hosts.filter((host) => !isLoopbackHost(host));
    const cpHost = claimed.find((host) => this.controlPlaneHosts.has(host));
    if (cpHost !== undefined) {
      throw new HttpError('conflict', `${cpHost} is the control plane's own host: advertise the node's own address`, { host: cpHost });
    }
    // Fail fast before signing; the transaction decides again on fresh state.
    const existingNode = await store.findNodeByName(name);
    assertClusterAllows({ existingNode, collidingNodes: [] }, token, name);

    const issuedAt = now();
    const certificate = await ca().signing.issueNodeCertificate({
      nodeName: name,
      spkiDer,
      hosts,
      now: issuedAt,
      lifetimeMs: this.options.lifetimeMs,
    });
    const node: NodeRow = {
      id: randomUUID(),
      name,
      architecture: request.architecture,
      advertisedEndpoint: request.advertised_endpoint,
      endpointHost: endpoint,
      migrationHost,
      migrationPortRangeStart: request.migration.port_range_start,
      migrationPortRangeEnd: request.migration.port_range_end,
      hardware: null,
      agentVersion: request.agent_version,
      vmCount: 0,
      activeMigrations: 0,
      certSerial: certificate.serial,
      certNotAfter: certificate.notAfter,
      cordoned: false,
      heartbeatIntervalMs: null,
      lastHeartbeatAt: null,
      lastRefusedHeartbeatAt: null,
      createdAt: issuedAt,
    };
    const outcome = await this.commits.submit({
      tokenHash,
      hosts: claimed,
      node,
      certificate: { serial: certificate.serial, notAfter: certificate.notAfter },
      consumption: { id: randomUUID(), consumedAt: issuedAt, sourceIp },
      decide: (state) => {
        assertTokenRedeemable(state.token, name, now());
        assertClusterAllows(state, state.token, name);
      },
    });
    if (!outcome.ok) throw outcome.error;
    const { result } = outcome;
    return {
      response: { node: nodeToApi(result.node, now()), certificate_pem: certificate.certPem, ca_bundle_pem: ca().bundlePem },
      reissued: result.reissued,
      joinTokenId: token.id,
    };
  }
}
