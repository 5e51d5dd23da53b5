// Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. What the server asked the caller
// to wait, in ms; undefined when the header is absent or unreadable.
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (!Number.isFinite(at)) return undefined;
  return Math.max(0, at - now);
}
