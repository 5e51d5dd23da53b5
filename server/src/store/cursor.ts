// Opaque, keyset-based cursors: base64url of the last item's sort key. Pages stay stable under
// concurrent inserts because the next page starts strictly after a key, not at an offset.
import { OtherixError } from '@otherix/sdk';
import type { Page } from './store.js';

function encodeCursor(key: string | number): string {
  return Buffer.from(JSON.stringify({ k: key }), 'utf8').toString('base64url');
}

export function decodeCursor<T extends string | number>(cursor: string, type: 'string' | 'number'): T {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { k?: unknown };
    if (typeof parsed.k === type) return parsed.k as T;
  } catch {
    // fall through
  }
  throw new OtherixError('invalid_cursor', 'the cursor is not one this control plane returned');
}

/** A page from limit+1 records fetched in key order: the extra one only says a next page exists. */
export function pageOf<R, T>(records: readonly R[], limit: number, keyOf: (r: R) => string | number, map: (r: R) => T): Page<T> {
  const more = records.length > limit;
  const kept = more ? records.slice(0, limit) : records;
  return { items: kept.map(map), nextCursor: more ? encodeCursor(keyOf(kept[kept.length - 1])) : null };
}
