// When the agent renews its certificate (issue 16). Every system beside us renews on its own
// before the end: kubelet at 70-90% of the lifetime, step-ca's `renew --daemon` at 2/3, SPIRE at
// half-life. Here: at 2/3 of the lifetime, counted from the signing time (the SDK's
// certificateTimes: notBefore is an hour before signing), plus or minus a random 5% of the
// lifetime so a fleet that joined together does not renew together. A failed renewal is retried
// with a backoff that starts small (a hundredth of the lifetime, 1 s to 1 min), doubles, and stops
// growing at a twentieth of the lifetime (at most an hour), or after the Retry-After the CP asked
// for; never past the end of the certificate.
import { isOtherixError } from '@otherix/sdk';
import type { CertificateTimes } from '@otherix/sdk/pki';

export const RENEWAL_FRACTION = 2 / 3;
/** ± this fraction of the lifetime around RENEWAL_FRACTION. */
export const RENEWAL_JITTER = 0.05;
/** Retry-After is honoured up to this (a wrong header must not silence renewals for long). */
const MAX_RETRY_AFTER_MS = 5 * 60_000;

const clamp = (value: number, low: number, high: number): number => Math.min(high, Math.max(low, value));

/** The 2/3 point, without jitter: what `otherix-agent renew` (without --force) waits for. */
export function renewalPoint(times: CertificateTimes): number {
  return times.issuedAt + Math.round(times.lifetimeMs * RENEWAL_FRACTION);
}

/** When the serve loop renews this certificate: the 2/3 point ± 5% of the lifetime. `random` in [0, 1). */
export function renewalDueAt(times: CertificateTimes, random: () => number): number {
  const fraction = RENEWAL_FRACTION + RENEWAL_JITTER * (2 * random() - 1);
  return times.issuedAt + Math.round(times.lifetimeMs * fraction);
}

/** The first retry's delay and the longest one, for a lifetime. */
export function retryBounds(lifetimeMs: number): { firstMs: number; longestMs: number } {
  const firstMs = clamp(lifetimeMs / 100, 1000, 60_000);
  return { firstMs, longestMs: clamp(lifetimeMs / 20, firstMs, 3_600_000) };
}

/**
 * The delay before retry number `failures` (1 = the first retry), ±10% jitter, at least a
 * Retry-After of a 429/503, and never later than the certificate's end (the last try goes just
 * before it); undefined when less than a first retry's delay is left: no more tries. `now` is
 * epoch ms.
 */
export function renewalRetryDelay(
  times: CertificateTimes,
  failures: number,
  error: unknown,
  now: number,
  random: () => number,
): number | undefined {
  const { firstMs, longestMs } = retryBounds(times.lifetimeMs);
  const backoff = Math.min(longestMs, firstMs * 2 ** Math.min(30, Math.max(0, failures - 1)));
  let delay = Math.round(backoff * (1 + 0.1 * (2 * random() - 1)));
  const asked = retryAfterOf(error);
  if (asked !== undefined) delay = Math.max(delay, Math.min(asked, MAX_RETRY_AFTER_MS) + Math.round(firstMs * 0.1 * random()));
  // Close to the end, the last try goes just before it rather than after.
  const left = times.notAfter - now;
  if (left < firstMs) return undefined;
  return Math.max(0, Math.min(delay, Math.floor(left - Math.min(1000, left / 10))));
}

function retryAfterOf(error: unknown): number | undefined {
  if (!isOtherixError(error)) return undefined;
  const { status, retryAfterMs } = error as { status?: unknown; retryAfterMs?: unknown };
  if ((status !== 429 && status !== 503) || typeof retryAfterMs !== 'number') return undefined;
  return retryAfterMs;
}
