// The repository interface: everything the CP keeps, in product words. Services depend on this
// interface only, so a second engine (e.g. PostgreSQL) can be added without touching routes or
// services. Times are epoch milliseconds; ids are UUIDs; token hashes are lower-case hex sha256.

import type { CaRotationStore } from './ca-rotation-store.js';
import type { components } from '@otherix/sdk';
import type { NodeStore } from './node-store.js';
import type { RenewalStore } from './renewal-store.js';

/** Hears how each write transaction ended. */
export interface WriteObserver {
  committed(): void;
  failed(error: unknown): void;
}

export type NodeHardware = components['schemas']['Hardware'];

export type Role = 'admin' | 'operator' | 'developer' | 'viewer';

export interface ApiTokenRow {
  id: string;
  name: string;
  role: Role;
  tokenHash: string;
  expiresAt: number | null;
  revokedAt: number | null;
  createdBy: string;
  createdAt: number;
}

/**
 * What a revoke did: the row as it is now, or a refusal that left it live because no other
 * admin token would stay live long enough. `othersLiveUntil`: when the last of the other live
 * admin tokens expires (epoch ms), or undefined when there is no other live admin token.
 */
export type ApiTokenRevocation =
  { row: ApiTokenRow; refused?: undefined } | { row: ApiTokenRow; refused: 'last_live_admin'; othersLiveUntil: number | undefined };

export interface JoinTokenRow {
  id: string;
  tokenHash: string;
  nodeName: string | null;
  /** 0 = unlimited within the TTL. */
  maxUses: number;
  consumed: number;
  expiresAt: number;
  revokedAt: number | null;
  createdBy: string;
  createdAt: number;
}

export interface ConsumptionRow {
  id: string;
  joinTokenId: string;
  nodeId: string;
  consumedAt: number;
  sourceIp: string;
}

export interface NodeRow {
  id: string;
  name: string;
  architecture: string;
  advertisedEndpoint: string;
  /**
   * The host of advertisedEndpoint in the SDK's canonicalHost form (lower case, no final dot,
   * IPv4-mapped as IPv4): indexed for collisions.
   */
  endpointHost: string;
  migrationHost: string;
  migrationPortRangeStart: number;
  migrationPortRangeEnd: number;
  /** The Hardware object of the latest heartbeat; null before the first. */
  hardware: NodeHardware | null;
  agentVersion: string;
  vmCount: number;
  activeMigrations: number;
  /** The serial of the node's current certificate, lower-case hex without leading zeros. */
  certSerial: string;
  certNotAfter: number;
  cordoned: boolean;
  /** The interval the node reported with its latest heartbeat; null before the first. */
  heartbeatIntervalMs: number | null;
  lastHeartbeatAt: number | null;
  /**
   * When a heartbeat from the node's current certificate was last refused (it failed validation,
   * or the certificate was outside its validity on the CP's clock); null again once a heartbeat is
   * accepted, and for a new or re-issued node.
   */
  lastRefusedHeartbeatAt: number | null;
  createdAt: number;
}

/** A renewal's statuses (pending, renewed, superseded) are explained in renewal-store.ts. */
export type CertificateStatus = 'current' | 'pending' | 'replaced' | 'renewed' | 'superseded' | 'revoked';

export interface NodeCertificateRow {
  serial: string;
  nodeId: string;
  notAfter: number;
  status: CertificateStatus;
  issuedAt: number;
}

export interface PageRequest {
  limit: number;
  /** An opaque cursor from a previous page's nextCursor. */
  cursor?: string | undefined;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** What the redemption rules see, read inside the redemption's transaction. */
export interface RedemptionState {
  token: JoinTokenRow | undefined;
  /** The node that already holds the requested name, if any. */
  existingNode: NodeRow | undefined;
  /** Other nodes (not existingNode) whose endpoint or migration host is one of the join's hosts. */
  collidingNodes: NodeRow[];
}

/** The keys of one redemption's state: its token, the name it takes, the hosts it claims. */
export interface RedemptionKey {
  tokenHash: string;
  name: string;
  /** Hosts to check against other nodes (loopback already removed), in canonicalHost form. */
  hosts: readonly string[];
}

/** One accepted redemption's writes: the token's use, the node row, its current certificate, the consumption. */
export interface RedemptionWrite {
  tokenId: string;
  /** The row as it is to be stored (a re-issue: the existing node's id, with what it keeps). */
  node: NodeRow;
  certificate: { serial: string; notAfter: number };
  consumption: { id: string; consumedAt: number; sourceIp: string };
}

/**
 * The SQL of a redemption batch, inside one write transaction (services/redemption-batch.ts holds
 * the rules that drive it). Writes run in the order they are called, one statement after the
 * other; a failed statement throws and the transaction rolls back.
 */
export interface RedemptionTransaction {
  /** Each key's state as this transaction sees it now (after its own writes so far). */
  readStates(keys: readonly RedemptionKey[]): Promise<RedemptionState[]>;
  /**
   * New nodes: each token's uses (the UPDATE checks the cap again and throws when it would be
   * passed, so it holds even if a rule were skipped), then the node rows, their certificates
   * (`current`) and consumptions, a few statements for any number.
   */
  writeNewNodes(writes: readonly RedemptionWrite[]): Promise<void>;
  /**
   * An existing node re-issued: the token's use, the row updated, its current and pending certificates `replaced`, the new one `current`,
   * the consumption.
   */
  writeReissue(write: RedemptionWrite): Promise<void>;
}

/**
 * A cluster's rows, table by table, in the order they were written (tokens and consumptions keep
 * it: their pages are in insertion order): what `otherix-server migrate-store` copies, and what
 * tests seed a store with.
 */
export interface StoreRows {
  apiTokens: ApiTokenRow[];
  joinTokens: JoinTokenRow[];
  consumptions: ConsumptionRow[];
  nodes: NodeRow[];
  certificates: NodeCertificateRow[];
}

export interface Store {
  /**
   * True when other processes (CP replicas) write this database too: what this process keeps in
   * memory from it (live API tokens) may be changed by them, and must be read again soon.
   */
  readonly shared: boolean;

  // API tokens
  /** Throws OtherixError 'conflict' when an unrevoked token already has the name. */
  insertApiToken(row: ApiTokenRow): Promise<void>;
  findApiTokenByHash(tokenHash: string): Promise<ApiTokenRow | undefined>;
  findApiTokenById(id: string): Promise<ApiTokenRow | undefined>;
  /** Newest first. */
  listApiTokens(page: PageRequest): Promise<Page<ApiTokenRow>>;
  /**
   * Idempotent: keeps the first revocation time. Undefined when the id is unknown. Refused
   * (`refused: 'last_live_admin'`, nothing written) when the token is a live admin token at `now`
   * and no other admin token stays live until `successorUntil(token's expiry)` (epoch ms; a
   * token without expiry always does): decided inside the write transaction, so two revokes can
   * never remove the last two.
   */
  revokeApiToken(id: string, now: number, successorUntil: (expiresAt: number | null) => number): Promise<ApiTokenRevocation | undefined>;
  countApiTokens(): Promise<number>;

  // Join tokens
  insertJoinToken(row: JoinTokenRow): Promise<void>;
  findJoinTokenByHash(tokenHash: string): Promise<JoinTokenRow | undefined>;
  findJoinTokenById(id: string): Promise<JoinTokenRow | undefined>;
  /** Newest first; tokens expired at `now` are left out unless includeExpired. */
  listJoinTokens(query: PageRequest & { includeExpired: boolean; now: number }): Promise<Page<JoinTokenRow>>;
  /** Idempotent: keeps the first revocation time. Undefined when the id is unknown. */
  revokeJoinToken(id: string, now: number): Promise<JoinTokenRow | undefined>;
  /** Join tokens that can still be redeemed at `now` (not revoked, not expired, uses left): metrics. */
  countLiveJoinTokens(now: number): Promise<number>;
  /** Oldest first. */
  listConsumptions(joinTokenId: string, page: PageRequest): Promise<Page<ConsumptionRow>>;

  /**
   * Runs `work` in one write transaction of the redemptions (services/redemption-batch.ts):
   * commits when it returns, rolls back when it throws. On an engine shared by several CP
   * replicas, redemption transactions run one at a time across all of them, so a token's cap, a
   * name and a host are judged on state no other replica is changing meanwhile.
   */
  redemptionTransaction<T>(work: (tx: RedemptionTransaction) => Promise<T>): Promise<T>;

  // Nodes (the join side writes them; the node side adds what it needs)
  findNodeByName(name: string): Promise<NodeRow | undefined>;
  findNodeById(id: string): Promise<NodeRow | undefined>;
  findNodeCertificate(serial: string): Promise<NodeCertificateRow | undefined>;
  /** The node side: list, heartbeats, cordon, delete (store/node-store.ts). */
  readonly nodes: NodeStore;
  /** Node certificate renewal (store/renewal-store.ts). */
  readonly renewals: RenewalStore;
  /** The CA rotation's state (store/ca-rotation-store.ts). */
  readonly caRotation: CaRotationStore;

  // Whole tables
  /** Every row (StoreRows' order), read in one snapshot. */
  exportRows(): Promise<StoreRows>;
  /**
   * Writes the rows as they are, in one transaction, keeping their order; throws (nothing written) on any clash with rows already there.
   */
  importRows(rows: Partial<StoreRows>): Promise<void>;

  /** Commits a small write: throws (the engine's error) when the database cannot be written now (/readyz). */
  probeWrite(now: number): Promise<void>;
  /** Hears how every write transaction ends (the resource alarm). */
  observeWrites(observer: WriteObserver): void;

  close(): Promise<void>;
}
