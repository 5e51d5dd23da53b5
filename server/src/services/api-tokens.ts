// API tokens: minted by admins (and once at first start), stored as sha256, each with a name
// and a role; bearer authentication looks them up by hash (live ones kept in memory, see
// api-token-cache.ts).
import { randomUUID } from 'node:crypto';
import { isOtherixError, isTokenShape } from '@otherix/sdk';
import { generateToken, hashToken } from '@otherix/sdk/internal';
import type { components } from '@otherix/sdk';
import { HttpError } from '../errors.js';
import type { ApiTokenRow, Role, Store } from '../store/store.js';
import { pageRequest, withCursor } from './pages.js';
import { ApiTokenCache, SHARED_ENTRY_TTL_MS } from './api-token-cache.js';
import type { Principal } from './principal.js';
import { isoTimestamp, isoTimestampOrNull } from '../timestamps.js';

type ApiTokenCreated = components['schemas']['ApiTokenCreated'];
type ApiTokenSummary = components['schemas']['ApiTokenSummary'];
type ApiTokenPage = components['schemas']['ApiTokenPage'];

/**
 * How long another admin token must stay live for an admin token to be revoked (capped at the
 * revoked token's own expiry; a token without expiry always qualifies). Without it the last
 * admin token without expiry could be revoked beside one that expires in a minute, and
 * everyone is locked out a minute later. A day leaves time, across a night, for someone to
 * notice and mint a successor (`otherix api-token create`).
 */
export const ADMIN_SUCCESSOR_MARGIN_MS = 24 * 3600 * 1000;

/** created_by of the token written at first start. */
export const FIRST_START_CREATOR = 'otherix-server';

/** The first admin token's row (its plaintext goes to admin.token), written with the cluster's row. */
export function firstAdminTokenRow(token: string, now: number): ApiTokenRow {
  return {
    id: randomUUID(),
    name: 'admin',
    role: 'admin',
    tokenHash: hashToken(token),
    expiresAt: null,
    revokedAt: null,
    createdBy: FIRST_START_CREATOR,
    createdAt: now,
  };
}
const HOW_TO_GET_ONE = 'ask an admin for a token (`otherix api-token create`), then run `otherix login`';

function apiTokenSummary(row: ApiTokenRow): ApiTokenSummary {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    expires_at: isoTimestampOrNull(row.expiresAt),
    revoked: row.revokedAt !== null,
    created_by: row.createdBy,
    created_at: isoTimestamp(row.createdAt),
  };
}

export class ApiTokenService {
  private readonly cache: ApiTokenCache;

  constructor(
    private readonly store: Store,
    private readonly now: () => number,
  ) {
    this.cache = new ApiTokenCache(store.shared ? SHARED_ENTRY_TTL_MS : undefined);
  }

  async mint(input: { name: string; role: Role; ttl_seconds?: number | undefined }, createdBy: string): Promise<ApiTokenCreated> {
    const token = generateToken('api');
    const now = this.now();
    const row: ApiTokenRow = {
      id: randomUUID(),
      name: input.name,
      role: input.role,
      tokenHash: hashToken(token),
      expiresAt: input.ttl_seconds === undefined ? null : now + input.ttl_seconds * 1000,
      revokedAt: null,
      createdBy,
      createdAt: now,
    };
    try {
      await this.store.insertApiToken(row);
    } catch (error) {
      if (isOtherixError(error, 'conflict')) {
        throw new HttpError('conflict', `an API token named ${input.name} already exists: pick another name, or revoke that token first`, {
          field: 'name',
        });
      }
      throw error;
    }
    const { revoked: _revoked, ...summary } = apiTokenSummary(row);
    return { ...summary, token };
  }

  async list(query: { limit?: number; cursor?: string }): Promise<ApiTokenPage> {
    const page = await withCursor(() => this.store.listApiTokens(pageRequest(query)));
    return { items: page.items.map(apiTokenSummary), next_cursor: page.nextCursor };
  }

  /**
   * Revokes a token, except a live admin token that no other admin token outlives: without an
   * admin token nobody could mint tokens or manage nodes, and only the CP host could recover
   * (`otherix-server admin-token`). The rule: another admin token must stay live until this one
   * would have expired, or for ADMIN_SUCCESSOR_MARGIN_MS (a day) when that is sooner; one without
   * expiry always does. So a revoke never leaves admin tokens that all expire within the day,
   * unless this one would have expired even sooner. Decided in the store's transaction.
   */
  async revoke(id: string): Promise<ApiTokenSummary> {
    const now = this.now();
    const revocation = await this.store.revokeApiToken(id, now, (expiresAt) =>
      Math.min(expiresAt ?? Number.POSITIVE_INFINITY, now + ADMIN_SUCCESSOR_MARGIN_MS),
    );
    this.cache.forget(id);
    if (revocation === undefined) throw new HttpError('not_found', `no API token has id ${id}: list them with \`otherix api-token list\``);
    if (revocation.refused === 'last_live_admin') {
      const name = revocation.row.name;
      const first =
        revocation.othersLiveUntil === undefined
          ? `${name} is the last live admin API token: revoking it would leave nobody able to manage tokens and nodes. `
          : `${name} is the last admin API token that stays live for the next day: the other admin tokens all expire by ${isoTimestamp(revocation.othersLiveUntil)}, ` +
            'and revoking it would leave nobody able to manage tokens and nodes after that. ';
      throw new HttpError(
        'conflict',
        first +
          'Mint another admin token first (`otherix api-token create --name NAME --role admin`, without --ttl or with one over a day), log in with it, then revoke this one ' +
          '(if no admin token is left at all, run `otherix-server admin-token --data-dir DIR` on the CP host)',
        revocation.othersLiveUntil === undefined ? undefined : { other_admin_tokens_expire_at: isoTimestamp(revocation.othersLiveUntil) },
      );
    }
    return apiTokenSummary(revocation.row);
  }

  /** The principal behind `Authorization: Bearer <token>`, or 401 unauthenticated. */
  async authenticate(authorization: string | undefined): Promise<Principal> {
    if (authorization === undefined || authorization === '') {
      throw new HttpError('unauthenticated', `this request needs an API token (Authorization: Bearer otx_api_...): ${HOW_TO_GET_ONE}`);
    }
    const match = /^Bearer +(\S+)$/i.exec(authorization);
    if (match === null || !isTokenShape('api', match[1])) {
      throw new HttpError(
        'unauthenticated',
        `the Authorization header does not hold an API token (expected Bearer otx_api_ and 43 base64url characters): ${HOW_TO_GET_ONE}`,
      );
    }
    // Looked up by sha256: the secret itself is never compared or stored.
    const row = await this.find(hashToken(match[1]));
    if (row === undefined) throw new HttpError('unauthenticated', `this API token is not known to the control plane: ${HOW_TO_GET_ONE}`);
    if (row.revokedAt !== null) throw new HttpError('unauthenticated', `this API token (${row.name}) was revoked: ${HOW_TO_GET_ONE}`);
    if (row.expiresAt !== null && row.expiresAt <= this.now()) {
      throw new HttpError('unauthenticated', `this API token (${row.name}) expired at ${isoTimestamp(row.expiresAt)}: ${HOW_TO_GET_ONE}`);
    }
    return { tokenId: row.id, name: row.name, role: row.role };
  }

  private async find(tokenHash: string): Promise<ApiTokenRow | undefined> {
    const cached = this.cache.get(tokenHash);
    if (cached !== undefined) return cached;
    const mark = this.cache.mark();
    // The TTL counts from before the read: the row may be as old as the read's start.
    const readAt = performance.now();
    const row = await this.store.findApiTokenByHash(tokenHash);
    if (row !== undefined) this.cache.remember(row, mark, readAt);
    return row;
  }
}
