// Renewals per node (issue 16): at most one per spacing (renewalSpacingMs: a minute, or a tenth of
// the lifetime when that is shorter), so a broken agent cannot make the CP sign in a loop. Only
// renewals that were signed and recorded count; a renewal refused for its CSR or its certificate
// does not. One renewal of a node at a time: a second one while the first is being signed is told
// to come back (they would supersede each other). State is in memory: a restarted CP forgets it,
// which costs at most one extra renewal per node.
import { HttpError } from '../errors.js';

/** Above this many tracked nodes, entries past their spacing are swept. */
const SWEEP_THRESHOLD = 10_000;

export class RenewalLimiter {
  private readonly lastRenewal = new Map<string, number>();
  private readonly inFlight = new Set<string>();

  constructor(
    private readonly spacingMs: number,
    private readonly now: () => number,
  ) {}

  /**
   * Takes the node's turn, or throws 429 rate_limited with Retry-After; call finish() after.
   * `exempt`: a renewal a CA rotation asked for (once per node and phase: services/ca-rotation.ts)
   * is not held to the spacing, so a rollback right after a phase does not wait a minute per node.
   */
  acquire(nodeId: string, nodeName: string, exempt = false): void {
    const now = this.now();
    if (this.inFlight.has(nodeId)) throw this.limited(nodeName, 1, 'another renewal of this node is being signed right now');
    const last = this.lastRenewal.get(nodeId);
    if (!exempt && last !== undefined && now - last < this.spacingMs && now >= last) {
      const retryAfter = Math.max(1, Math.ceil((last + this.spacingMs - now) / 1000));
      throw this.limited(
        nodeName,
        retryAfter,
        `node ${nodeName} renewed its certificate ${Math.round((now - last) / 1000)} s ago, and a node renews at most once every ${Math.round(this.spacingMs / 1000)} s`,
      );
    }
    this.inFlight.add(nodeId);
  }

  /** Gives the turn back; a renewal that was signed and recorded starts the node's spacing. */
  finish(nodeId: string, renewed: boolean): void {
    this.inFlight.delete(nodeId);
    if (!renewed) return;
    const now = this.now();
    if (this.lastRenewal.size >= SWEEP_THRESHOLD) this.sweep(now);
    this.lastRenewal.set(nodeId, now);
  }

  private limited(nodeName: string, retryAfter: number, why: string): HttpError {
    return new HttpError(
      'rate_limited',
      `${why}: renew again in ${retryAfter} s (the current certificate keeps working meanwhile; the agent waits by itself)`,
      { node_name: nodeName, retry_after_seconds: retryAfter },
      { 'retry-after': String(retryAfter) },
    );
  }

  private sweep(now: number): void {
    for (const [nodeId, at] of this.lastRenewal) if (now - at >= this.spacingMs) this.lastRenewal.delete(nodeId);
  }
}
