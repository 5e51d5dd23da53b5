// Unknown-token redemptions per source IP (SPEC §4): a fixed window per IP that opens with the
// IP's first guess. A slot is taken BEFORE the lookup, so a burst of concurrent guesses cannot
// overshoot the limit, and given back when the token turns out to be real (real tokens are
// answered, not throttled).
import { HttpError } from '../errors.js';

export const DEFAULT_JOIN_GUESS_LIMIT = 10;
export const GUESS_WINDOW_MS = 60_000;
/** Above this many tracked IPs, windows that have closed are swept. */
const SWEEP_THRESHOLD = 10_000;

interface Window {
  startedAt: number;
  count: number;
}

export interface GuessSlot {
  /** The token was real: this attempt does not count as a guess. */
  release(): void;
}

export class GuessLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly limit: number,
    private readonly now: () => number,
    private readonly windowMs = GUESS_WINDOW_MS,
  ) {}

  /** Takes a guess slot for `ip`, or throws 429 rate_limited with Retry-After. */
  take(ip: string): GuessSlot {
    const now = this.now();
    let window = this.windows.get(ip);
    if (window === undefined || now - window.startedAt >= this.windowMs) {
      if (this.windows.size >= SWEEP_THRESHOLD) this.sweep(now);
      window = { startedAt: now, count: 0 };
      this.windows.set(ip, window);
    }
    if (window.count >= this.limit) {
      const retryAfter = Math.max(1, Math.ceil((window.startedAt + this.windowMs - now) / 1000));
      throw new HttpError(
        'rate_limited',
        `too many redemptions with unknown join tokens from ${ip}: wait ${retryAfter}s, and check that the token was copied whole`,
        { retry_after_seconds: retryAfter },
        { 'retry-after': String(retryAfter) },
      );
    }
    window.count++;
    const taken = window;
    let released = false;
    return {
      release: () => {
        if (!released && taken === this.windows.get(ip)) taken.count--;
        released = true;
      },
    };
  }

  private sweep(now: number): void {
    for (const [ip, window] of this.windows) if (now - window.startedAt >= this.windowMs) this.windows.delete(ip);
  }
}
