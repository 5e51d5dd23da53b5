// Unknown-token redemptions per source (SPEC §4): a fixed window per source that opens with the
// source's first guess. Counted after the lookup, only for unknown tokens: real tokens are always
// answered, never throttled, however many arrive at once and whatever the IP's guess count
// (hosts behind one NAT must not block each other's joins). A guess over the limit is answered
// 429, so a concurrent burst gets exactly `limit` verdicts per window. A source is an IPv4
// address or an IPv6 /64 (guess-source.ts).
import { HttpError } from '../errors.js';
import { guessSourceOf } from './guess-source.js';

export const DEFAULT_JOIN_GUESS_LIMIT = 10;
export const GUESS_WINDOW_MS = 60_000;
/** Above this many tracked IPs, windows that have closed are swept. */
const SWEEP_THRESHOLD = 10_000;

interface Window {
  startedAt: number;
  count: number;
}

export class GuessLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly limit: number,
    private readonly now: () => number,
    private readonly windowMs = GUESS_WINDOW_MS,
  ) {}

  /** Counts an unknown-token redemption from the client at `ip`; throws 429 when its source is over the limit. */
  recordGuess(ip: string): void {
    const source = guessSourceOf(ip);
    const now = this.now();
    let window = this.current(source, now);
    if (window === undefined) {
      if (this.windows.size >= SWEEP_THRESHOLD) this.sweep(now);
      window = { startedAt: now, count: 0 };
      this.windows.set(source, window);
    }
    window.count++;
    if (window.count > this.limit) throw this.limited(source, window);
  }

  private current(source: string, now: number): Window | undefined {
    const window = this.windows.get(source);
    return window !== undefined && now - window.startedAt < this.windowMs ? window : undefined;
  }

  private limited(source: string, window: Window): HttpError {
    const retryAfter = Math.max(1, Math.ceil((window.startedAt + this.windowMs - this.now()) / 1000));
    return new HttpError(
      'rate_limited',
      `too many redemptions with unknown join tokens from ${source}: wait ${retryAfter}s, and check that the token was copied whole`,
      { retry_after_seconds: retryAfter },
      { 'retry-after': String(retryAfter) },
    );
  }

  private sweep(now: number): void {
    for (const [ip, window] of this.windows) if (now - window.startedAt >= this.windowMs) this.windows.delete(ip);
  }
}
