// Whether admin.token still logs anyone in: the CP's start line offers `otherix login` with it
// only when it does, and otherwise says how to get a token that works (main.ts, startup-lines.ts).
import { readFile } from 'node:fs/promises';
import { isTokenShape } from '@otherix/sdk';
import { hashToken } from '@otherix/sdk/internal';
import type { Store } from '../store/store.js';

export type AdminTokenFileState = 'live' | 'missing' | 'not_a_token' | 'unknown' | 'revoked' | 'expired' | 'not_admin';

export async function adminTokenFileState(path: string, store: Store, now: number): Promise<AdminTokenFileState> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return 'missing';
  }
  const token = text.trim();
  if (!isTokenShape('api', token)) return 'not_a_token';
  // A store read, not the API's cache: this runs once, before any request.
  const row = await store.findApiTokenByHash(hashToken(token));
  if (row === undefined) return 'unknown';
  if (row.revokedAt !== null) return 'revoked';
  if (row.expiresAt !== null && row.expiresAt <= now) return 'expired';
  return row.role === 'admin' ? 'live' : 'not_admin';
}
