// The host's clock against the CP's, compared before a token is spent. The CP dates a node's
// certificate with its own clock (an hour back, for drift after the join); a host whose clock is
// far off would redeem the token and then hold a certificate it cannot use, or one that expires
// on a different day than it thinks. The CP's time is the `Date` header of the pinned /v1/ca
// answer (PinnedCa.serverDate).
import { OtherixError } from '../errors.js';
import { formatDuration } from '../durations.js';

/**
 * How far the host's clock may be from the CP's for a join: five minutes, the tolerance operators
 * know from Kerberos. Well inside the CP's one-hour backdate of certificates, so a host that
 * joins can use its certificate at once, and keeps that margin for its clock's later drift.
 */
export const MAX_JOIN_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Throws `clock_skew` when the clocks differ by more than MAX_JOIN_CLOCK_SKEW_MS. A CP that sent
 * no usable Date (none of ours) cannot be compared: the leaf is still checked after the join.
 */
export function assertClocksAgree(input: { hostNow: number; cpNow: number | undefined; cpUrl: string }): void {
  if (input.cpNow === undefined) return;
  const skew = input.hostNow - input.cpNow;
  // The Date header has whole seconds: allow the second it drops.
  if (Math.abs(skew) <= MAX_JOIN_CLOCK_SKEW_MS + 1000) return;
  const host = new Date(input.hostNow).toISOString();
  const cp = new Date(input.cpNow).toISOString();
  // To the minute: the header's whole seconds and the trip's latency blur the seconds.
  const how = `about ${formatDuration(Math.round(Math.abs(skew) / 60_000) * 60_000)} ${skew < 0 ? 'behind' : 'ahead of'}`;
  throw new OtherixError(
    'clock_skew',
    `this host's clock (${host}) is ${how} the control plane's at ${input.cpUrl} (${cp}), more than the ${formatDuration(MAX_JOIN_CLOCK_SKEW_MS)} a join allows: ` +
      `its certificate would be dated by the other clock. Set the right time on the host with the wrong one (e.g. \`timedatectl set-ntp true\`, or \`chronyc makestep\`), then re-run; the join token was not used`,
    {
      details: {
        host_time: host,
        control_plane_time: cp,
        skew_seconds: Math.round(skew / 1000),
        max_skew_seconds: MAX_JOIN_CLOCK_SKEW_MS / 1000,
      },
    },
  );
}
