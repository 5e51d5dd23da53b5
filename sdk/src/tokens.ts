// Token format (SPEC "Tokens"): prefix + base64url of 256 random bits (43 characters, no
// padding). Only sha256(token) is stored; token values never appear in errors or logs.
import { createHash, randomBytes } from 'node:crypto';
import { OtherixError } from './errors.js';

export type TokenKind = 'join' | 'api';

/** The prefix of each kind of token: `otx_join_` (join tokens) and `otx_api_` (API tokens). */
export const TOKEN_PREFIX: Record<TokenKind, string> = Object.freeze({ join: 'otx_join_', api: 'otx_api_' });

/** Length of the random part: base64url of 32 bytes without padding. */
export const TOKEN_SECRET_LENGTH = 43;

const TOKEN_BODY = /^[A-Za-z0-9_-]{43}$/;

export function generateToken(kind: TokenKind): string {
  return TOKEN_PREFIX[kind] + randomBytes(32).toString('base64url');
}

/**
 * True when `value` has the shape of a `kind` token (its prefix and 43 base64url characters); it
 * says nothing of whether the CP accepts it.
 * @throws nothing
 */
export function isTokenShape(kind: TokenKind, value: string): boolean {
  if (typeof value !== 'string') return false;
  const prefix = TOKEN_PREFIX[kind];
  return value.startsWith(prefix) && TOKEN_BODY.test(value.slice(prefix.length));
}

/** Throws invalid_token; the message describes the expected shape and never echoes the value. */
export function assertTokenShape(kind: TokenKind, value: string): void {
  if (isTokenShape(kind, value)) return;
  const what = kind === 'join' ? 'join token' : 'API token';
  throw new OtherixError(
    'invalid_token',
    `the ${what} is malformed: expected ${TOKEN_PREFIX[kind]} followed by ${TOKEN_SECRET_LENGTH} base64url characters; copy the whole value the CP printed`,
  );
}

/** Lower-case hex sha256 of the UTF-8 token: the only form stored by the CP. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * For display: the prefix and the first 4 secret characters, e.g. 'otx_join_AbC1…'; print this,
 * never the token.
 * @throws nothing
 */
export function maskToken(token: string): string {
  const prefix = Object.values(TOKEN_PREFIX).find((p) => token.startsWith(p)) ?? '';
  return `${prefix}${token.slice(prefix.length, prefix.length + 4)}…`;
}
