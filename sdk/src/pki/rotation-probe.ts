// Looking at /v1/ca of a CP whose certificate a client no longer verifies, because a CA rotation
// moved the CP to a CA the client does not know yet (issue 19). Like the TOFU fetch: verification
// off, `/v1/ca` only, nothing in the answer trusted by itself.
//   - probeCaRotation (the agent): which CA the CP serves from and which it says it retired, only
//     to word the agent's message (re-bootstrap with a bound token). The node's certificate is
//     presented, so the CP can log which node missed the rotation.
//   - fetchCaAnswerUnverified (the CLI, cli-trust.ts): the answer whose CAs the CLI trusts only
//     when the CA it pinned vouches for them by a cross-certificate (readTrustBundle).
import { Agent, buildConnector, fetch as undiciFetch } from 'undici';
import { fingerprintOfPem } from './fingerprint.js';

export interface RotationProbe {
  /** The fingerprint of the CA the answering server serves from (computed from its ca_pem). */
  servedFingerprint: string;
  /** What the server says a completed rotation retired (informational). */
  retiredFingerprint: string | undefined;
}

/** The fields of a /v1/ca answer that a rotation adds (openapi.yaml CaBundle). */
export interface CaAnswer {
  ca_pem: string;
  trust_bundle_pem?: string;
  endorsement_pem?: string;
  retired_fingerprint?: string | null;
}

const MAX_ANSWER_BYTES = 256 * 1024;

/** Undefined when the server cannot be reached or does not answer as a CP. */
export async function fetchCaAnswerUnverified(options: {
  cpUrl: string;
  clientCertificate?: { certPem: string; keyPem: string };
  requestTimeoutMs: number;
}): Promise<CaAnswer | undefined> {
  const base = options.cpUrl.split(',')[0].trim().replace(/\/+$/, '');
  const connect = buildConnector({
    rejectUnauthorized: false,
    timeout: options.requestTimeoutMs,
    ...(options.clientCertificate === undefined ? {} : { cert: options.clientCertificate.certPem, key: options.clientCertificate.keyPem }),
  });
  const dispatcher = new Agent({
    connections: 1,
    headersTimeout: options.requestTimeoutMs,
    bodyTimeout: options.requestTimeoutMs,
    connect,
  });
  try {
    const response = await undiciFetch(`${base}/v1/ca`, {
      dispatcher,
      signal: AbortSignal.timeout(options.requestTimeoutMs),
      headers: { accept: 'application/json' },
      redirect: 'error',
    });
    const text = await response.text();
    if (response.status !== 200 || text.length > MAX_ANSWER_BYTES) return undefined;
    const body = JSON.parse(text) as Partial<CaAnswer> | null;
    return typeof body?.ca_pem === 'string' ? (body as CaAnswer) : undefined;
  } catch {
    return undefined;
  } finally {
    await dispatcher.close().catch(() => undefined);
  }
}

export async function probeCaRotation(options: {
  cpUrl: string;
  clientCertificate: { certPem: string; keyPem: string };
  requestTimeoutMs: number;
}): Promise<RotationProbe | undefined> {
  const answer = await fetchCaAnswerUnverified(options);
  if (answer === undefined) return undefined;
  try {
    return {
      servedFingerprint: fingerprintOfPem(answer.ca_pem),
      retiredFingerprint: typeof answer.retired_fingerprint === 'string' ? answer.retired_fingerprint : undefined,
    };
  } catch {
    return undefined;
  }
}
