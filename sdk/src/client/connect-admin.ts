// A pinned, authenticated client in one call: what every automation script does first (pin the
// cluster CA by fingerprint, then a client that trusts only that CA and sends the API token).
import { OtherixError } from '../errors.js';
import { pinCa } from '../pki/tofu.js';
import { assertTokenShape } from '../tokens.js';
import { createClient } from './create-client.js';
import type { OtherixClient } from './create-client.js';
import type { Whoami } from './types.js';

/** The environment variables connectAdmin reads for the options a caller leaves out. */
export const ADMIN_CONNECTION_ENV = Object.freeze({
  cpUrl: 'OTHERIX_CP_URL',
  caFingerprint: 'OTHERIX_CA_FINGERPRINT',
  token: 'OTHERIX_TOKEN',
} as const);

export interface AdminConnectionOptions {
  /** `https://host:port` of the CP; default `$OTHERIX_CP_URL`. */
  cpUrl?: string;
  /** The CA's `sha256:<hex>` fingerprint (`otherix-server ca-fingerprint`); default `$OTHERIX_CA_FINGERPRINT`. */
  caFingerprint?: string;
  /** An API token (`otx_api_...`); default `$OTHERIX_TOKEN`. Sent only over the pinned connection. */
  token?: string;
  /** Per request, default DEFAULT_REQUEST_TIMEOUT_MS. */
  requestTimeoutMs?: number;
  /** Where the defaults come from; default `process.env`. */
  env?: Record<string, string | undefined>;
}

export interface AdminConnection {
  cpUrl: string;
  /** The normalised `sha256:<hex>` fingerprint of the pinned CA. */
  caFingerprint: string;
  /** The pinned CA certificate: the only trust anchor of `client` (hand it to bootstrapNode's checks or save it). */
  caPem: string;
  /** The token's name and role, as the CP answered `whoami` at connect time. */
  whoami: Whoami;
  client: OtherixClient;
}

/**
 * Pins the cluster CA by its fingerprint (trust on first use, as `otherix login` and the agent
 * do), then returns a client that trusts only that CA and authenticates with the API token,
 * after checking the token with `whoami`. Options left out come from `OTHERIX_CP_URL`,
 * `OTHERIX_CA_FINGERPRINT` and `OTHERIX_TOKEN`.
 *
 * @throws OtherixError `usage` when a setting is missing from both the options and the environment
 *   (the message names each variable); `invalid_fingerprint`, `invalid_token` for malformed
 *   values; `fingerprint_mismatch`, `invalid_ca` when the CP's CA is not the pinned one;
 *   `unreachable`, `tls_failed`, `timeout`, `invalid_response` when the connection fails;
 *   OtherixApiError `unauthenticated` when the CP does not accept the token.
 * @example
 * const { client } = await connectAdmin(); // from OTHERIX_CP_URL, OTHERIX_CA_FINGERPRINT, OTHERIX_TOKEN
 * const minted = await client.joinTokens.create({ node_name: 'node-1', ttl_seconds: 3600 });
 */
export async function connectAdmin(options: AdminConnectionOptions = {}): Promise<AdminConnection> {
  const env = options.env ?? process.env;
  const value = (key: keyof typeof ADMIN_CONNECTION_ENV): string | undefined => {
    const given = options[key] ?? env[ADMIN_CONNECTION_ENV[key]];
    return given === undefined || given === '' ? undefined : given;
  };
  const missing = (Object.keys(ADMIN_CONNECTION_ENV) as (keyof typeof ADMIN_CONNECTION_ENV)[]).filter((key) => value(key) === undefined);
  if (missing.length > 0) {
    const names = missing.map((key) => `${key} (or ${ADMIN_CONNECTION_ENV[key]})`).join(', ');
    throw new OtherixError(
      'usage',
      `cannot connect to the control plane: ${names} not given; pass them to connectAdmin or set the variables`,
    );
  }
  const cpUrl = value('cpUrl')!;
  assertTokenShape('api', value('token')!);
  const timeout = options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs };
  const pinned = await pinCa({ cpUrl, fingerprint: value('caFingerprint')!, ...timeout });
  const client = createClient({ cpUrl, caPem: pinned.caPem, token: value('token')!, ...timeout });
  const whoami = await client.whoami();
  return { cpUrl, caFingerprint: pinned.fingerprint, caPem: pinned.caPem, whoami, client };
}
