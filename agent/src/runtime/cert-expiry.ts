// serve renews the node certificate by itself at 2/3 of its lifetime (renewal-loop.ts), so the
// end of a certificate is news only when renewing keeps failing. From the last sixth of the
// lifetime on (5 days of a 30-day leaf: renewal has been failing since about the 2/3 point), serve
// warns when it first beats with such a certificate, then again every day (every sixth of the
// lifetime when that is shorter), and once it has expired, when it can no longer renew at all (a
// renewal is authenticated by the certificate). Each warning gives the re-bootstrap commands.
import { certificateTimes, type CertificateTimes } from '@otherix/sdk/pki';
import type { Logger } from './logger.js';

/** Warn once less than this fraction of the lifetime is left. */
export const EXPIRY_WARNING_FRACTION = 1 / 6;
const DAY_MS = 86_400_000;

export class CertExpiryWatch {
  /** The certificate last looked at, and its times (parsed once per certificate). */
  private seen: { certPem: string; times: CertificateTimes | undefined } | undefined;
  private lastWarning: { certPem: string; at: number; expired: boolean } | undefined;

  constructor(
    private readonly nodeName: string,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Called with the certificate of every heartbeat, and by the renewal loop. */
  check(certPem: string): void {
    const times = this.timesOf(certPem);
    if (times === undefined) return; // unparsable: the heartbeat itself fails and says so
    const now = this.now();
    const left = times.notAfter - now;
    const window = times.lifetimeMs * EXPIRY_WARNING_FRACTION;
    if (left > window) return;
    const expired = left <= 0;
    const last = this.lastWarning;
    if (last !== undefined && last.certPem === certPem && last.expired === expired && now - last.at < Math.min(DAY_MS, window)) return;
    this.lastWarning = { certPem, at: now, expired };
    const end = new Date(times.notAfter).toISOString();
    const way = `mint a join token bound to this node (\`otherix node join-token create --node-name ${this.nodeName}\`) and run \`otherix-agent bootstrap --force\` on this host; serve picks the new files up without a restart`;
    if (expired) {
      this.logger.warn(
        `the node certificate (serial ${times.serial}) expired at ${end}: serve cannot renew it (a renewal is authenticated by a valid certificate) and the control plane refuses its heartbeats, which serve keeps sending; ${way}`,
        {
          serial: times.serial,
          not_after: end,
        },
      );
    } else {
      const days = Math.floor(left / DAY_MS);
      const when = days === 0 ? 'in less than a day' : `in ${days} day${days === 1 ? '' : 's'}`;
      this.logger.warn(
        `the node certificate (serial ${times.serial}) expires ${when} (${end}) and serve has not managed to renew it (see the renewal failures in this log; serve keeps trying): if it cannot, ${way}`,
        {
          serial: times.serial,
          not_after: end,
          days_left: days,
        },
      );
    }
  }

  private timesOf(certPem: string): CertificateTimes | undefined {
    if (this.seen?.certPem !== certPem) {
      let times: CertificateTimes | undefined;
      try {
        times = certificateTimes(certPem);
        if (Number.isNaN(times.notAfter)) times = undefined;
      } catch {
        times = undefined;
      }
      this.seen = { certPem, times };
    }
    return this.seen.times;
  }
}
