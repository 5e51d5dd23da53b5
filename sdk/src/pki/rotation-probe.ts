// What an agent does when the CP's certificate is not from a CA it trusts (issue 19): a node that
// was away during a whole CA rotation trusts only the retired CA. One request like the TOFU fetch
// (verification off, `/v1/ca` only), presenting the node's certificate so the CP can log which
// node missed the rotation, tells which CA the CP serves from now and which one it says it
// retired. Nothing in the answer is trusted: it only words the agent's message, which says to
// re-bootstrap with a bound token (and to suspect a man in the middle if no rotation ran).
import { Agent, buildConnector, fetch as undiciFetch } from 'undici';
import { fingerprintOfPem } from './fingerprint.js';

export interface RotationProbe {
  /** The fingerprint of the CA the answering server serves from (computed from its ca_pem). */
  servedFingerprint: string;
  /** What the server says a completed rotation retired (informational). */
  retiredFingerprint: string | undefined;
}

const MAX_ANSWER_BYTES = 256 * 1024;

/** Undefined when the server cannot be reached or does not answer as a CP. */
export async function probeCaRotation(options: {
  cpUrl: string;
  clientCertificate: { certPem: string; keyPem: string };
  requestTimeoutMs: number;
}): Promise<RotationProbe | undefined> {
  const base = options.cpUrl.split(',')[0]!.trim().replace(/\/+$/, '');
  const connect = buildConnector({
    rejectUnauthorized: false,
    timeout: options.requestTimeoutMs,
    cert: options.clientCertificate.certPem,
    key: options.clientCertificate.keyPem,
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
    const body = JSON.parse(text) as { ca_pem?: unknown; retired_fingerprint?: unknown };
    if (typeof body.ca_pem !== 'string') return undefined;
    return {
      servedFingerprint: fingerprintOfPem(body.ca_pem),
      retiredFingerprint: typeof body.retired_fingerprint === 'string' ? body.retired_fingerprint : undefined,
    };
  } catch {
    return undefined;
  } finally {
    await dispatcher.close().catch(() => undefined);
  }
}
