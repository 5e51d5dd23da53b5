// Live API tokens by sha256, so a bearer request is not a SQLite read (and a thread-pool round
// trip) every time. Sound because this CP is the only process that revokes tokens in its
// database (`otherix-server admin-token` only inserts one, which is a lookup miss here and is
// read from the database), and a token's revocation goes through ApiTokenService.revoke, which
// forgets it here before it answers;
// expiry is checked on every use. Only hashes are kept, as in the database, and only of tokens
// that exist: unknown tokens are never cached, so guessing cannot grow it.

import type { ApiTokenRow } from '../store/store.js';

/** Beyond this many live tokens the cache starts over (a token is one read away anyway). */
const MAX_ENTRIES = 10_000;

export class ApiTokenCache {
  private readonly byHash = new Map<string, ApiTokenRow>();
  /** Bumped by every revoke: a read that began before it may hold the row as it was. */
  private generation = 0;

  get(tokenHash: string): ApiTokenRow | undefined {
    return this.byHash.get(tokenHash);
  }

  /** Taken before reading a token from the store, and handed back to remember(). */
  mark(): number {
    return this.generation;
  }

  /** Keeps a token read since `mark`, unless a revoke happened meanwhile or it is revoked. */
  remember(row: ApiTokenRow, mark: number): void {
    if (mark !== this.generation || row.revokedAt !== null) return;
    if (this.byHash.size >= MAX_ENTRIES) this.byHash.clear();
    this.byHash.set(row.tokenHash, row);
  }

  /** The token's next request reads the store again (and finds it revoked). */
  forget(tokenId: string): void {
    this.generation++;
    for (const [hash, row] of this.byHash) if (row.id === tokenId) this.byHash.delete(hash);
  }
}
