// Identity is the SPIFFE id in the URI SAN, not the host name: the CA is pinned, and only the
// CP's certificate carries spiffe://otherix/control-plane (no node can obtain it).
import type { PeerCertificate } from 'node:tls';

export const CONTROL_PLANE_SPIFFE_ID = 'spiffe://otherix/control-plane';
export const NODE_SPIFFE_PREFIX = 'spiffe://otherix/node/';

export function nodeSpiffeId(nodeName: string): string {
  return NODE_SPIFFE_PREFIX + nodeName;
}

/** The node name in 'spiffe://otherix/node/<name>', or null for any other URI. */
export function nodeNameFromSpiffeId(uri: string): string | null {
  if (typeof uri !== 'string' || !uri.startsWith(NODE_SPIFFE_PREFIX)) return null;
  const name = uri.slice(NODE_SPIFFE_PREFIX.length);
  return name === '' || name.includes('/') ? null : name;
}

/**
 * URI SANs from node's subjectAltName text ('DNS:a, URI:spiffe://..., IP Address:1.2.3.4').
 * Node quotes entries that contain ',' or '"' as JSON strings (CVE-2021-44532), so handle that.
 */
export function uriSansOf(cert: { subjectAltName?: string | undefined; subjectaltname?: string | undefined } | string): string[] {
  const text = typeof cert === 'string' ? cert : (cert.subjectAltName ?? cert.subjectaltname);
  if (!text) return [];
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (text[i] === ' ' || text[i] === ',') i++;
    if (i >= text.length) break;
    const colon = text.indexOf(':', i);
    if (colon < 0) break;
    const type = text.slice(i, colon);
    let value: string;
    let j = colon + 1;
    if (text[j] === '"') {
      // JSON-quoted value: find its closing quote, skipping escapes.
      let k = j + 1;
      while (k < text.length && text[k] !== '"') k += text[k] === '\\' ? 2 : 1;
      try {
        value = JSON.parse(text.slice(j, k + 1)) as string;
      } catch {
        value = text.slice(j + 1, k);
      }
      j = k + 1;
    } else {
      const comma = text.indexOf(', ', j);
      const end = comma < 0 ? text.length : comma;
      value = text.slice(j, end);
      j = end;
    }
    if (type === 'URI') out.push(value);
    i = j;
  }
  return out;
}

/**
 * A `checkServerIdentity` for tls.connect / undici `connect`: accept iff the peer certificate
 * carries `expectedSpiffeId` as a URI SAN. The hostname is deliberately not checked: the chain is
 * already verified against the pinned CA, and identity is the SPIFFE id.
 */
export function checkServerIdentityFor(expectedSpiffeId: string): (host: string, cert: PeerCertificate) => Error | undefined {
  return (_host: string, cert: PeerCertificate): Error | undefined => {
    const uris = uriSansOf({ subjectaltname: cert?.subjectaltname });
    if (uris.includes(expectedSpiffeId)) return undefined;
    const error = new Error(
      `the server's certificate does not carry ${expectedSpiffeId} (found ${uris.length === 0 ? 'no URI SAN' : uris.join(', ')}): this is not the expected Otherix peer`,
    ) as Error & { code: string; reason: string };
    // An ERR_TLS_ code so connection-error mapping classifies it as tls_failed.
    error.code = 'ERR_TLS_CERT_ALTNAME_INVALID';
    error.reason = `missing URI SAN ${expectedSpiffeId}`;
    return error;
  };
}
