// What the CP's logger may say about a request, whatever the client sent. Secrets travel in the
// Authorization header (redacted by path) and in bodies (never logged), but a client can put a
// token anywhere: a query string (`?token=`, `?access_token=`), a path segment, a malformed
// request. So, before anything is written:
//   - the logged URL keeps its path and the names of its query parameters; a parameter's value
//     is kept only for the API's own query parameters (openapi.yaml: limit, cursor, ...), and
//     any path segment, name or value shaped like a token (`otx_join_...`, `otx_api_...`, also
//     percent-encoded) is `[redacted]`;
//   - token shapes are cut out of every message and of the string fields logged with it (an
//     error message may echo a name the client chose);
//   - errors are logged without the raw bytes Node attaches to a bad request (`rawPacket`,
//     which holds its headers, Authorization included).
import { openApiDocument } from '@otherix/sdk/internal';

const REDACTED = '[redacted]';

/** Never log credentials: the join token and CSR travel in bodies (never logged), API tokens in this header. */
export const LOG_REDACT_PATHS = ['req.headers.authorization', 'req.headers.cookie', 'req.body'];

/** The token shape (sdk/src/tokens.ts) and any prefix of it: otx_join_ / otx_api_ and base64url. */
const TOKEN_SHAPE = /otx_(join|api)_[A-Za-z0-9_-]+/gi;

/** The query parameters the API defines: their values are logged (unless token-shaped). */
const API_QUERY_PARAMETERS: ReadonlySet<string> = new Set(queryParameterNames());

function queryParameterNames(): string[] {
  const names: string[] = [];
  const shared = openApiDocument.components.parameters ?? {};
  for (const operations of Object.values(openApiDocument.paths)) {
    for (const operation of Object.values(operations)) {
      for (const parameter of ((operation as { parameters?: unknown[] }).parameters ?? []) as Array<{
        $ref?: string;
        in?: string;
        name?: string;
      }>) {
        const resolved =
          parameter.$ref !== undefined
            ? (shared[parameter.$ref.split('/').pop()!] as { in?: string; name?: string } | undefined)
            : parameter;
        if (resolved?.in === 'query' && resolved.name !== undefined) names.push(resolved.name);
      }
    }
  }
  return names;
}

/** Token shapes in free text become `otx_api_[redacted]`. */
export function redactTokens(text: string): string {
  return text.replace(TOKEN_SHAPE, (_token, kind: string) => `otx_${kind.toLowerCase()}_${REDACTED}`);
}

/**
 * Percent-decoded (a few rounds, for double encoding), escape by escape: a stray `%` or an escape
 * that is not UTF-8 elsewhere in the text must not keep an encoded token from being seen. Token
 * characters are ASCII, so each `%XX` is decoded as one byte (latin1) and the rest left as it is.
 */
function decoded(text: string): string {
  let current = text.replace(/\+/g, ' ');
  for (let round = 0; round < 3; round++) {
    const next = current.replace(/%([0-9A-Fa-f]{2})/g, (_escape, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    if (next === current) return current;
    current = next;
  }
  return current;
}

function looksLikeToken(text: string): boolean {
  TOKEN_SHAPE.lastIndex = 0;
  const found = TOKEN_SHAPE.test(decoded(text));
  TOKEN_SHAPE.lastIndex = 0;
  return found;
}

/** The request URL as it may be logged (see the top of this file). */
export function redactUrl(url: string): string {
  const question = url.indexOf('?');
  const path = question < 0 ? url : url.slice(0, question);
  const safePath = path
    .split('/')
    .map((segment) => (looksLikeToken(segment) ? REDACTED : segment))
    .join('/');
  if (question < 0) return safePath;
  const pairs = url
    .slice(question + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals < 0 ? pair : pair.slice(0, equals);
      if (looksLikeToken(name)) return REDACTED;
      if (equals < 0) return name;
      const value = pair.slice(equals + 1);
      const keep = API_QUERY_PARAMETERS.has(decoded(name)) && !looksLikeToken(value);
      return `${name}=${keep ? value : REDACTED}`;
    });
  return `${safePath}?${pairs.join('&')}`;
}

interface LoggedRequest {
  method: string;
  url: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/** Fastify's request serializer, with the URL redacted (and no client-chosen version header). */
export function serializeRequest(request: LoggedRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: redactUrl(request.url),
    // The Host header is the client's text like the URL: a token there, encoded or not, is redacted.
    host: request.host === undefined ? undefined : looksLikeToken(request.host) ? REDACTED : request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

/** An error as logged: type, message, stack, its own fields and cause; never raw client bytes. */
export function serializeError(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error)) return typeof error === 'string' ? redactTokens(error) : error;
  const logged: Record<string, unknown> = {
    type: error.constructor.name,
    message: redactTokens(error.message),
    stack: error.stack === undefined ? undefined : redactTokens(error.stack),
  };
  for (const [field, value] of Object.entries(error)) {
    // rawPacket (Node's HTTP parser errors) is the client's bytes, headers and all.
    if (field in logged || field === 'rawPacket' || Buffer.isBuffer(value) || value instanceof Uint8Array) continue;
    logged[field] = typeof value === 'string' ? redactTokens(value) : value;
  }
  if (error.cause !== undefined && depth < 4) logged['cause'] = serializeError(error.cause, depth + 1);
  return logged;
}

/**
 * pino's logMethod hook: token shapes are cut out of the message and of the plain string fields
 * logged with it, whatever code logs them.
 */
export function redactLogArguments(this: unknown, args: unknown[], method: (...args: unknown[]) => void): void {
  method.apply(
    this,
    args.map((arg) => {
      if (typeof arg === 'string') return redactTokens(arg);
      if (arg !== null && typeof arg === 'object' && Object.getPrototypeOf(arg) === Object.prototype) {
        return Object.fromEntries(
          Object.entries(arg).map(([key, value]) => [key, typeof value === 'string' ? redactTokens(value) : value]),
        );
      }
      return arg;
    }),
  );
}
