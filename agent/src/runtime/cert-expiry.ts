// A node certificate lives one year and serve does not renew it (a re-issue is a bound token and
// `bootstrap --force`, seed §Day-2). So that nobody learns of the end from failing heartbeats,
// serve warns from EXPIRY_WARNING_DAYS before it: when it first uses a certificate that near its
// end, then once a day, then once it has expired, each time with the way to a new one.
import { X509Certificate } from 'node:crypto';
import type { Logger } from './logger.js';

export const EXPIRY_WARNING_DAYS = 30;
const DAY_MS = 86_400_000;

export class CertExpiryWatch {
  /** The certificate last looked at, and its end (parsed once per certificate). */
  private seen: { certPem: string; notAfter: number } | undefined;
  private lastWarning: { certPem: string; at: number; expired: boolean } | undefined;

  constructor(
    private readonly nodeName: string,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Called with the certificate of every heartbeat. */
  check(certPem: string): void {
    const notAfter = this.notAfterOf(certPem);
    if (notAfter === undefined) return; // unparsable: the heartbeat itself fails and says so
    const now = this.now();
    const left = notAfter - now;
    if (left > EXPIRY_WARNING_DAYS * DAY_MS) return;
    const expired = left <= 0;
    const last = this.lastWarning;
    if (last !== undefined && last.certPem === certPem && last.expired === expired && now - last.at < DAY_MS) return;
    this.lastWarning = { certPem, at: now, expired };
    const end = new Date(notAfter).toISOString();
    const way = `mint a join token bound to this node (\`otherix node join-token create --node-name ${this.nodeName}\`) and run \`otherix-agent bootstrap --force\` on this host; serve picks the new files up without a restart`;
    if (expired) {
      this.logger.warn(`the node certificate expired at ${end}: the control plane refuses its heartbeats; ${way}`, { not_after: end });
    } else {
      const days = Math.floor(left / DAY_MS);
      const when = days === 0 ? 'in less than a day' : `in ${days} day${days === 1 ? '' : 's'}`;
      this.logger.warn(`the node certificate expires ${when} (${end}) and serve does not renew it: ${way}`, { not_after: end, days_left: days });
    }
  }

  private notAfterOf(certPem: string): number | undefined {
    if (this.seen?.certPem !== certPem) {
      let notAfter: number;
      try {
        notAfter = Date.parse(new X509Certificate(certPem).validTo);
      } catch {
        return undefined;
      }
      this.seen = { certPem, notAfter };
    }
    return Number.isNaN(this.seen.notAfter) ? undefined : this.seen.notAfter;
  }
}
