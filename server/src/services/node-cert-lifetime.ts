// How long a node's leaf lives (SPEC §8, issue 16): `otherix-server --node-cert-lifetime`, from 1m
// to 365d, 30 days by default. Joins, re-issues and renewals all sign with it. The lifetime counts
// from signing: notAfter = signing time + lifetime, while notBefore stays an hour before signing
// (CERTIFICATE_BACKDATE_MS, for hosts whose clock lags), so a 1-minute leaf ends one minute after
// it was signed even though its dates span 61 minutes; the agent schedules its renewal from the
// signing time (the SDK's certificateTimes). Lifetimes under an hour exist for tests: the CP warns
// at start.
import { DAY_MS, formatDurationWithDays } from '@otherix/sdk';

export const DEFAULT_NODE_CERT_LIFETIME_MS = 30 * DAY_MS;
export const MIN_NODE_CERT_LIFETIME_MS = 60_000;
export const MAX_NODE_CERT_LIFETIME_MS = 365 * DAY_MS;
/** Below this the CP says at start that the lifetime is for testing. */
export const TESTING_ONLY_BELOW_MS = 3_600_000;

/** At most one renewal per node per minute, or per tenth of the lifetime when that is shorter. */
export const RENEWAL_SPACING_CAP_MS = 60_000;

/**
 * The least time between two renewals of one node: a broken agent cannot make the CP sign in a
 * loop, while an agent whose renewal answer was lost can still retry well before its leaf ends
 * (it renews at 2/3 of the lifetime, so a third of it is left).
 */
export function renewalSpacingMs(lifetimeMs: number): number {
  return Math.max(1000, Math.min(RENEWAL_SPACING_CAP_MS, Math.floor(lifetimeMs / 10)));
}

/** The start warning for a lifetime meant for tests; undefined for a real one. */
export function lifetimeWarning(lifetimeMs: number): string | undefined {
  if (lifetimeMs >= TESTING_ONLY_BELOW_MS) return undefined;
  return `--node-cert-lifetime ${formatDurationWithDays(lifetimeMs)} is under an hour: node certificates end minutes after they are signed and agents renew them every few seconds to minutes; this is for testing, not for a real cluster (default ${formatDurationWithDays(DEFAULT_NODE_CERT_LIFETIME_MS)})`;
}
