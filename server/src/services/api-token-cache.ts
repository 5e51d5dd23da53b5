// Live API tokens by sha256, so a bearer request is not a SQLite read (and a thread-pool round
// trip) every time. On SQLite this is sound because this CP is the only process that revokes
// tokens in its database (`otherix-server admin-token` only inserts one, which is a lookup miss
// here and is read from the database), and a token's revocation goes through
// ApiTokenService.revoke, which forgets it here before it answers; expiry is checked on every use.
// On a database other replicas share (PostgreSQL), a revoke through another replica reaches this
// one only through the database: an entry is then kept for at most SHARED_ENTRY_TTL_MS after it
// was read, so a token revoked anywhere is refused here by requests that start more than that
// after the revoke answered (the promise is 1 s; a busy token costs one read per half second).
// Only hashes are kept, as in the database, and only of tokens that exist: unknown tokens are never cached, so guessing cannot grow it.

import type { ApiTokenRow } from '../store/store.js';

/** Beyond this many live tokens the cache starts over (a token is one read away anyway). */
const MAX_ENTRIES = 10_000;

/** How long an entry is trusted when other replicas may revoke it (well inside the 1 s promise). */
export const SHARED_ENTRY_TTL_MS = 500;

export class ApiTokenCache {
  private readonly byHash = new Map<string, ApiTokenRow>();
  /** When each entry was read (performance.now()), for the shared TTL. */
  private readonly readAt = new Map<string, number>();

  /** `ttlMs`: how long an entry is kept (undefined: until a revoke here forgets it). */
  constructor(private readonly ttlMs?: number) {}
  /** Bumped by every revoke: a read that began before it may hold the row as it was. */
  private generation = 0;

  get(tokenHash: string): ApiTokenRow | undefined {
    if (this.ttlMs !== undefined && performance.now() - (this.readAt.get(tokenHash) ?? Number.NEGATIVE_INFINITY) > this.ttlMs) {
      this.byHash.delete(tokenHash);
      this.readAt.delete(tokenHash);
      return undefined;
    }
    return this.byHash.get(tokenHash);
  }

  /** Taken before reading a token from the store, and handed back to remember(). */
  mark(): number {
    return this.generation;
  }

  /** Keeps a token read since `mark` (read at `readAt`, performance.now()), unless a revoke happened meanwhile or it is revoked. */
  remember(row: ApiTokenRow, mark: number, readAt: number): void {
    if (mark !== this.generation || row.revokedAt !== null) return;
    if (this.byHash.size >= MAX_ENTRIES) {
      this.byHash.clear();
      this.readAt.clear();
    }
    this.byHash.set(row.tokenHash, row);
    this.readAt.set(row.tokenHash, readAt);
  }

  /** The token's next request reads the store again (and finds it revoked). */
  forget(tokenId: string): void {
    this.generation++;
    for (const [hash, row] of this.byHash) {
      if (row.id !== tokenId) continue;
      this.byHash.delete(hash);
      this.readAt.delete(hash);
    }
  }
}
