// When the next heartbeat goes after one failed. The CP marks a node not_ready after three of its
// intervals without a heartbeat (MISSED_HEARTBEATS_FOR_NOT_READY on the CP). An exponential
// backoff that grows past that (it reached four intervals) keeps a node not_ready for minutes
// after the CP is back. So a failed beat is retried within one interval, never later: once the CP
// answers again, the node is heard within an interval. That is never more load than a healthy
// fleet sends, since every node beats once an interval anyway; a CP that needs less says so with
// Retry-After (429 or 503), and the agent waits at least that long.
import { isOtherixError } from '@otherix/sdk';
import { HEARTBEAT_JITTER } from './jitter.js';

/** Retry-After is honoured up to this: a wrong header (or a hostile proxy) cannot silence a node for longer. */
export const MAX_RETRY_AFTER_MS = 5 * 60_000;
/** The statuses whose Retry-After is a request to wait (RFC 9110: 429 Too Many Requests, 503 Service Unavailable). */
const RETRY_AFTER_STATUSES = new Set([429, 503]);

export interface RetryDelay {
  delayMs: number;
  /** The wait the CP asked for, when the delay honours one. */
  retryAfterMs?: number;
}

/** One interval at most, jittered downward only (between 90% and 100% of it). */
export function retryDelay(intervalMs: number, random: () => number): number {
  return Math.max(1, Math.round(intervalMs * (1 - HEARTBEAT_JITTER * random())));
}

/** The delay after a failed beat: retryDelay, or at least the Retry-After of a 429/503 (capped), plus jitter. */
export function delayAfterFailure(intervalMs: number, error: unknown, random: () => number): RetryDelay {
  const retryAfterMs = retryAfterOf(error);
  if (retryAfterMs === undefined) return { delayMs: retryDelay(intervalMs, random) };
  const asked = Math.min(retryAfterMs, MAX_RETRY_AFTER_MS);
  // Up to a tenth of an interval more, so a fleet told the same time does not come back at once.
  return {
    delayMs: Math.max(retryDelay(intervalMs, random), asked + Math.round(intervalMs * HEARTBEAT_JITTER * random())),
    retryAfterMs: asked,
  };
}

function retryAfterOf(error: unknown): number | undefined {
  if (!isOtherixError(error)) return undefined;
  const { status, retryAfterMs } = error as { status?: unknown; retryAfterMs?: unknown };
  if (typeof status !== 'number' || !RETRY_AFTER_STATUSES.has(status) || typeof retryAfterMs !== 'number') return undefined;
  return retryAfterMs;
}
