// Join tokens (admin): mint, list, revoke, and the consumption audit trail.
import { randomUUID } from 'node:crypto';
import { generateToken, hashToken } from '@otherix/sdk/internal';
import type { components } from '@otherix/sdk';
import { HttpError } from '../errors.js';
import type { JoinTokenRow, Store } from '../store/store.js';
import { assertNodeName } from './join-request-rules.js';
import { pageRequest, withCursor } from './pages.js';
import { isoTimestamp as iso } from '../timestamps.js';

type JoinTokenCreated = components['schemas']['JoinTokenCreated'];
type JoinTokenSummary = components['schemas']['JoinTokenSummary'];
type JoinTokenPage = components['schemas']['JoinTokenPage'];
type ConsumptionPage = components['schemas']['ConsumptionPage'];

const DEFAULT_JOIN_TOKEN_TTL_SECONDS = 3600;
const MIN_JOIN_TOKEN_TTL_SECONDS = 60;
const MAX_JOIN_TOKEN_TTL_SECONDS = 86_400;

function clampTtlSeconds(requested: number | undefined): number {
  const ttl = requested ?? DEFAULT_JOIN_TOKEN_TTL_SECONDS;
  return Math.min(MAX_JOIN_TOKEN_TTL_SECONDS, Math.max(MIN_JOIN_TOKEN_TTL_SECONDS, ttl));
}

function joinTokenSummary(row: JoinTokenRow, now: number): JoinTokenSummary {
  return {
    id: row.id,
    node_name: row.nodeName,
    expires_at: iso(row.expiresAt),
    ttl_remaining_seconds: Math.max(0, Math.floor((row.expiresAt - now) / 1000)),
    max_uses: row.maxUses,
    consumed: row.consumed,
    revoked: row.revokedAt !== null,
    created_by: row.createdBy,
    created_at: iso(row.createdAt),
  };
}

export class JoinTokenService {
  constructor(
    private readonly store: Store,
    private readonly now: () => number,
    /** The fingerprint clients pin now: the serving CA's (it moves in a CA rotation's update_servers). */
    private readonly caFingerprint: () => string,
  ) {}

  async mint(input: { ttl_seconds?: number; max_uses?: number; node_name?: string }, createdBy: string): Promise<JoinTokenCreated> {
    const token = generateToken('join');
    const now = this.now();
    const ttlSeconds = clampTtlSeconds(input.ttl_seconds);
    const nodeName = input.node_name ?? null;
    // The join's own rule: a token for a name that can never redeem is refused at mint.
    if (nodeName !== null) assertNodeName(nodeName);
    const row: JoinTokenRow = {
      id: randomUUID(),
      tokenHash: hashToken(token),
      nodeName,
      // A token bound to a name provisions that one identity once (seed: forces single-use).
      maxUses: nodeName === null ? (input.max_uses ?? 0) : 1,
      consumed: 0,
      expiresAt: now + ttlSeconds * 1000,
      revokedAt: null,
      createdBy,
      createdAt: now,
    };
    await this.store.insertJoinToken(row);
    return {
      id: row.id,
      token,
      ca_fingerprint: this.caFingerprint(),
      expires_at: iso(row.expiresAt),
      ttl_seconds: ttlSeconds,
      max_uses: row.maxUses,
      node_name: nodeName,
      created_by: createdBy,
      created_at: iso(now),
    };
  }

  async list(query: { include_expired?: boolean; limit?: number; cursor?: string }): Promise<JoinTokenPage> {
    const now = this.now();
    const page = await withCursor(() =>
      this.store.listJoinTokens({ ...pageRequest(query), includeExpired: query.include_expired === true, now }),
    );
    return { items: page.items.map((row) => joinTokenSummary(row, now)), next_cursor: page.nextCursor };
  }

  /** Idempotent on a revoked token; an expired one is already unusable: 409. */
  async revoke(id: string): Promise<JoinTokenSummary> {
    const existing = await this.requireToken(id);
    const now = this.now();
    if (existing.revokedAt === null && existing.expiresAt <= now) {
      throw new HttpError(
        'conflict',
        `join token ${id} already expired at ${iso(existing.expiresAt)}: it cannot be redeemed, so there is nothing to revoke`,
      );
    }
    const revoked = await this.store.revokeJoinToken(id, now);
    return joinTokenSummary(revoked ?? existing, now);
  }

  async consumptions(id: string, query: { limit?: number; cursor?: string }): Promise<ConsumptionPage> {
    await this.requireToken(id);
    const page = await withCursor(() => this.store.listConsumptions(id, pageRequest(query)));
    return {
      items: page.items.map((row) => ({ id: row.id, node_id: row.nodeId, consumed_at: iso(row.consumedAt), source_ip: row.sourceIp })),
      next_cursor: page.nextCursor,
    };
  }

  private async requireToken(id: string): Promise<JoinTokenRow> {
    const row = await this.store.findJoinTokenById(id);
    if (row === undefined)
      throw new HttpError('not_found', `no join token has id ${id}: list them with \`otherix node join-token list --include-expired\``);
    return row;
  }
}
