// Trust on first use: the one documented fetch with certificate verification off. Its result
// is used only after the CA it returns matches the operator's pin; from then on every
// connection trusts only that CA (createClient). The `fingerprint` field of the body is never
// trusted: the fingerprint is computed from `ca_pem` itself.
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { Agent, buildConnector, fetch as undiciFetch } from 'undici';
import { OtherixError, isOtherixError } from '../errors.js';
import { apiErrorFrom } from '../client/api-errors.js';
import { connectionError } from '../client/connection-errors.js';
import { parseCpUrls } from '../client/cp-urls.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../client/transport.js';
import { singleCaCertificate } from './ca-pem.js';
import { fingerprintsEqual, parseFingerprint } from './fingerprint.js';
import { CONTROL_PLANE_SPIFFE_ID, checkServerIdentityFor } from './identity.js';

export interface PinCaOptions {
  /** The CP's URL, or several replicas' (comma-separated or an array): see pinCa. */
  cpUrl: string | readonly string[];
  /** `sha256:<hex>` or bare hex, as the admin was given it at mint time. */
  fingerprint: string;
  requestTimeoutMs?: number;
  /** Default CONTROL_PLANE_SPIFFE_ID: the serving certificate must carry it already here. */
  expectedServerIdentity?: string;
}

export interface PinnedCa {
  /** The pinned certificate alone, re-encoded from its DER: what is trusted and saved. */
  caPem: string;
  /** The normalised `sha256:<hex>` fingerprint computed from caPem. */
  fingerprint: string;
  /**
   * The CP's clock (epoch ms, whole seconds) from the `Date` header of the /v1/ca answer, when it
   * sent a valid one; returned only once the pin holds, so it is the pinned CP's. Bootstrap compares
   * it with the host's clock before it redeems a token.
   */
  serverDate?: number;
  /** The origin that answered and passed the checks (with several URLs, the first that did). */
  cpUrl: string;
}

/**
 * Trust on first use: fetches the CP's CA from `/v1/ca` without verification (the only such
 * request), hashes the certificate itself and compares it with `fingerprint` in constant time;
 * the server that answered must also prove a serving certificate of that CA with the CP's
 * identity. Returns the CA to trust from then on (createClient's `caPem`).
 *
 * With several URLs (replicas of one cluster) they are tried in order: one that cannot be
 * reached, or that answers 5xx, is passed over for the next (a GET is safe to repeat;
 * failover.ts). Every check stops the whole pin wherever it fails, never falling through to the
 * next URL: such a server may be an attacker, and a later URL answering well would hide it.
 * @throws OtherixError `invalid_fingerprint`, `usage` (a bad cpUrl) before any connection;
 *   `fingerprint_mismatch` when the CA is not the pinned one; `invalid_ca` for an answer that is
 *   not exactly one CA certificate; `tls_failed` when the server cannot prove its identity; a
 *   4xx's code; `unreachable`, `timeout`, `invalid_response` when every URL failed so.
 */
export async function pinCa(options: PinCaOptions): Promise<PinnedCa> {
  const expected = parseFingerprint(options.fingerprint);
  const origins = parseCpUrls(options.cpUrl);
  const failures: string[] = [];
  for (const [index, origin] of origins.entries()) {
    try {
      return await pinAt(origin, expected, options);
    } catch (error) {
      const passOver =
        isOtherixError(error) &&
        (error.code === 'unreachable' || error.code === 'timeout' || ('status' in error && (error as { status: number }).status >= 500));
      // A stop names its own URL; only when no URL could answer does the message list them all.
      if (!passOver) throw error;
      failures.push(`${origin}: ${error.code}`);
      if (index === origins.length - 1) {
        if (origins.length === 1) throw error;
        if ('status' in error) throw error;
        throw new OtherixError(
          error.code,
          `${error.message} (the other control-plane URLs failed too: ${failures.slice(0, -1).join('; ')})`,
          {
            cause: error,
            ...(error.details !== undefined ? { details: error.details } : {}),
          },
        );
      }
    }
  }
  // parseCpUrls never returns an empty list.
  throw new OtherixError('usage', 'no control-plane URL given');
}

async function pinAt(base: string, expected: string, options: PinCaOptions): Promise<PinnedCa> {
  const url = `${base}/v1/ca`;
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;

  // The serving certificate is captured from the very connection that answered, so it can be
  // checked against the CA that connection returned.
  let served: { certificate: PeerCertificate; hostname: string } | undefined;
  const unverified = buildConnector({ rejectUnauthorized: false, timeout: requestTimeoutMs });
  const dispatcher = new Agent({
    connections: 1,
    headersTimeout: requestTimeoutMs,
    bodyTimeout: requestTimeoutMs,
    connect: (connectOptions, callback) =>
      unverified(connectOptions, (error, socket) => {
        // undici passes `undefined` (not null) for the socket of a failed connection.
        if (error === null && socket !== null && socket !== undefined) {
          served = { certificate: (socket as TLSSocket).getPeerCertificate(true), hostname: connectOptions.hostname };
          callback(null, socket);
        } else {
          callback(error ?? new Error('connection failed'), null);
        }
      }),
  });

  let status: number;
  let body: unknown;
  let dateHeader: string | null;
  try {
    const response = await undiciFetch(url, {
      dispatcher,
      signal: AbortSignal.timeout(requestTimeoutMs),
      headers: { accept: 'application/json' },
      // The CP never redirects /v1/ca; following one would pin what another server says.
      redirect: 'error',
    });
    status = response.status;
    dateHeader = response.headers.get('date');
    const text = await readCapped(response.body, MAX_CA_RESPONSE_BYTES, url);
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  } catch (error) {
    throw connectionError(error, url, requestTimeoutMs) ?? error;
  } finally {
    await dispatcher.close();
  }
  if (status !== 200) throw apiErrorFrom(status, body, url);

  const caPem = (body as { ca_pem?: unknown } | null)?.ca_pem;
  if (typeof caPem !== 'string' || !caPem.includes('-----BEGIN ')) {
    throw new OtherixError('tls_failed', `${url} did not return a CA certificate: check that the URL points at the Otherix control plane`);
  }
  // Exactly one CA certificate, or nothing at all: a pin covers one certificate, so anything
  // beside it would be trusted on no one's word.
  const ca = singleCaCertificate(caPem, `the answer of ${url}`);
  if (!fingerprintsEqual(ca.fingerprint, expected)) {
    throw new OtherixError(
      'fingerprint_mismatch',
      `fingerprint mismatch: got ${ca.fingerprint}, expected ${expected}: ${rotationHint(body, expected)}`,
      {
        details: { got: ca.fingerprint, expected, url },
      },
    );
  }
  assertServedByPinnedCa(served, ca.der, url, options.expectedServerIdentity ?? CONTROL_PLANE_SPIFFE_ID);
  const serverDate = dateHeader === null ? Number.NaN : Date.parse(dateHeader);
  // Only the pinned DER goes on: re-encoded, never the text the server sent.
  return { caPem: ca.pem, fingerprint: ca.fingerprint, cpUrl: base, ...(Number.isFinite(serverDate) ? { serverDate } : {}) };
}

/**
 * What a mismatch may mean during a CA rotation (issue 19), from the answer's informational fields.
 * The server is not trusted yet, so this only says where a good fingerprint comes from; the pin
 * still fails.
 */
function rotationHint(body: unknown, expected: string): string {
  const answer = (body ?? {}) as { rotation_phase?: unknown; trusted_fingerprints?: unknown; retired_fingerprint?: unknown };
  const where =
    'take the fingerprint `otherix node join-token create` prints now (or `otherix ca rotation status`, `otherix-server ca-fingerprint` on the CP host)';
  const trusted = Array.isArray(answer.trusted_fingerprints) ? answer.trusted_fingerprints.filter((f) => typeof f === 'string') : [];
  if (typeof answer.rotation_phase === 'string' && answer.rotation_phase !== 'standby' && trusted.includes(expected)) {
    return `the cluster CA is rotating (phase ${answer.rotation_phase}, says the server): the pinned CA is trusted, but the control plane serves certificates of the other CA now; ${where}; if no rotation is running, suspect a man in the middle`;
  }
  if (typeof answer.retired_fingerprint === 'string' && answer.retired_fingerprint === expected) {
    return `the cluster CA was rotated (says the server): the pinned CA is retired; ${where}; if no rotation ran, suspect a man in the middle`;
  }
  return 'check the value, or suspect a man in the middle';
}

// The answer comes from a server not yet trusted: read at most this much of it.
const MAX_CA_RESPONSE_BYTES = 256 * 1024;

async function readCapped(body: AsyncIterable<Uint8Array> | null, limit: number, url: string): Promise<string> {
  if (body === null) return '';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > limit) {
      throw new OtherixError(
        'tls_failed',
        `${url} answered with more than ${limit} bytes: that is not the control plane's CA; check the URL`,
      );
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8');
}

// Without this a man in the middle could relay the real CA PEM over its own certificate: the
// pin would hold, yet this connection would not be the CP's. The leaf must also be a serving
// certificate (serverAuth): the CP's own client.crt carries the CP's identity too, for clientAuth
// only, and whoever holds it must not pass for the CP here.
function assertServedByPinnedCa(
  served: { certificate: PeerCertificate; hostname: string } | undefined,
  caDer: Buffer,
  url: string,
  expectedIdentity: string,
): void {
  const refuse = (why: string): never => {
    throw new OtherixError(
      'tls_failed',
      `the server at ${url} returned the pinned CA but its own TLS certificate ${why}: suspect a man in the middle, or check the URL`,
    );
  };
  if (served === undefined || served.certificate.raw === undefined) return refuse('could not be read');
  let leaf: X509Certificate;
  let ca: X509Certificate;
  try {
    leaf = new X509Certificate(served.certificate.raw);
    ca = new X509Certificate(caDer);
  } catch {
    return refuse('could not be parsed');
  }
  if (!leaf.checkIssued(ca) || !leaf.verify(ca.publicKey)) return refuse('is not issued by it');
  const now = Date.now();
  if (Date.parse(leaf.validFrom) > now || Date.parse(leaf.validTo) < now) return refuse('is outside its validity period');
  const identityError = checkServerIdentityFor(expectedIdentity)(served.hostname, served.certificate);
  if (identityError !== undefined) return refuse(`does not carry ${expectedIdentity}`);
  // node:crypto lists the extended key usages as OIDs (undefined when the extension is absent).
  if (!(leaf.keyUsage ?? []).includes(SERVER_AUTH_OID)) return refuse('is not a serving certificate (no serverAuth extended key usage)');
}

/** id-kp-serverAuth (RFC 5280 4.2.1.12). */
const SERVER_AUTH_OID = '1.3.6.1.5.5.7.3.1';
