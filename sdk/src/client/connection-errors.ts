// Turns what undici throws for a failed connection into an OtherixError whose code tells the
// failure apart ('unreachable' | 'tls_failed' | 'timeout') and whose message names the URL.
import { OtherixError, isOtherixError, type OtherixErrorCode } from '../errors.js';

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);
// OpenSSL verification codes and Node's TLS codes; see tls.TLSSocket.authorizationError.
const TLS_CODE_PREFIXES = ['ERR_TLS_', 'ERR_SSL_', 'CERT_', 'UNABLE_TO_', 'DEPTH_ZERO_', 'SELF_SIGNED_', 'ERR_OSSL_'];
// OpenSSL verification codes without one of those prefixes: INVALID_PURPOSE is a certificate
// of the pinned CA used for what it is not for (the CP's clientAuth-only client.crt serving).
const TLS_CODES = new Set([
  'INVALID_PURPOSE',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'HOSTNAME_MISMATCH',
  'INVALID_NON_CA',
  'KEYUSAGE_NO_CERTSIGN',
]);

export type ConnectionFailureCode = Extract<OtherixErrorCode, 'unreachable' | 'tls_failed' | 'timeout'>;

/** The innermost error with a `code`, or the DOMException of an aborted signal. */
function rootCause(error: unknown): { code?: string; name?: string; message: string } {
  let current: unknown = error;
  let found: { code?: string; name?: string; message: string } | undefined;
  let innermost: { code?: string; name?: string; message: string } | undefined;
  for (let depth = 0; depth < 8 && current !== null && typeof current === 'object'; depth++) {
    const candidate = current as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown };
    const entry = {
      ...(typeof candidate.code === 'string' ? { code: candidate.code } : {}),
      ...(typeof candidate.name === 'string' ? { name: candidate.name } : {}),
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a cause of unknown shape: its own toString() if it has one
      message: typeof candidate.message === 'string' ? candidate.message : String(current),
    };
    if (entry.code !== undefined || entry.name === 'TimeoutError' || entry.name === 'AbortError') found = entry;
    innermost = entry;
    current = candidate.cause;
  }
  return found ?? innermost ?? { message: String(error) };
}

/** A socket closed under a request, by the server or a middlebox (not a refused or timed-out connect). */
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

/**
 * Whether the request failed because its connection was closed under it: typically a
 * keep-alive socket the server (or a NAT, a load balancer) closed just as the request went out.
 * One retry on a new connection is then right for a call that is safe to repeat (a heartbeat).
 */
export function isConnectionReset(error: unknown): boolean {
  const code = rootCause(error).code;
  return code !== undefined && RESET_CODES.has(code);
}

export function classifyConnectionFailure(error: unknown): ConnectionFailureCode | undefined {
  const cause = rootCause(error);
  if (cause.name === 'TimeoutError' || (cause.code !== undefined && TIMEOUT_CODES.has(cause.code))) return 'timeout';
  if (cause.code !== undefined && UNREACHABLE_CODES.has(cause.code)) return 'unreachable';
  if (cause.code !== undefined && (TLS_CODES.has(cause.code) || TLS_CODE_PREFIXES.some((prefix) => cause.code!.startsWith(prefix))))
    return 'tls_failed';
  // Anything else undici's fetch gives up on (a port fetch refuses to dial, a socket error
  // without a code) still means the CP was not reached.
  if (error instanceof TypeError && error.message === 'fetch failed') return 'unreachable';
  return undefined;
}

/**
 * Wraps a transport failure; returns undefined when `error` is not one (a programming error
 * or an OtherixError already), so the caller rethrows it unchanged.
 */
export function connectionError(error: unknown, url: string, timeoutMs: number): OtherixError | undefined {
  // An OtherixError raised inside the connection (the client certificate could not be loaded)
  // already says what happened.
  for (let cause: unknown = error, depth = 0; cause !== null && typeof cause === 'object' && depth < 8; depth++) {
    if (isOtherixError(cause)) return cause;
    cause = (cause as { cause?: unknown }).cause;
  }
  const kind = classifyConnectionFailure(error);
  if (kind === undefined) return undefined;
  const cause = rootCause(error);
  const detail = cause.code !== undefined ? `${cause.code}: ${cause.message}` : cause.message;
  switch (kind) {
    case 'timeout':
      return new OtherixError(
        'timeout',
        `no answer from the control plane at ${url} within ${timeoutMs} ms: check the network path and that the CP is healthy, or raise the request timeout`,
        { cause: error },
      );
    case 'unreachable':
      // fetch refuses to dial its "bad ports" (6000, 5060, 10080, ...) without trying: the
      // server is not at fault, the port is.
      if (cause.code === undefined && cause.message === 'bad port') {
        return new OtherixError(
          'unreachable',
          `cannot reach the control plane at ${url}: port ${portOf(url)} is on fetch's blocked-port list: serve the control plane on another port`,
          { cause: error },
        );
      }
      return new OtherixError(
        'unreachable',
        `cannot reach the control plane at ${url} (${detail}): check the URL and port, and that otherix-server is running`,
        { cause: error },
      );
    case 'tls_failed':
      return new OtherixError(
        'tls_failed',
        `TLS with the control plane at ${url} failed (${detail}): the server must present a certificate from the pinned cluster CA carrying the control plane's identity; check the URL and the CA fingerprint`,
        { cause: error },
      );
  }
}

function portOf(url: string): string {
  try {
    return new URL(url).port;
  } catch {
    return '?';
  }
}
