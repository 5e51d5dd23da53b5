// The cluster CA as a client pins and keeps it: exactly one CA certificate, held as its DER.
// A pin is a hash of one certificate, so it can vouch for one certificate only: an answer with
// a second certificate (or anything else) beside the pinned one is refused, never trusted in
// part, and what is trusted and saved afterwards is re-encoded from the pinned DER alone.
import { X509Certificate } from 'node:crypto';
import { OtherixError } from '../errors.js';
import { toPem } from './der.js';
import { fingerprintOfDer } from './fingerprint.js';

export interface PinnableCa {
  der: Buffer;
  /** One CERTIFICATE block re-encoded from `der`: the only form that is trusted and saved. */
  pem: string;
  /** `sha256:<hex>` of `der`. */
  fingerprint: string;
}

const DEFAULT_WAY_OUT = 'nothing was sent or saved: check the URL, or suspect a man in the middle';

const PEM_BLOCK = /-----BEGIN ([^-\r\n]*)-----([\s\S]*?)-----END \1-----/g;
/**
 * Where a block starts. Counted first, in one pass: with one BEGIN, PEM_BLOCK is linear; with
 * many (a hostile answer can be 256 KiB of them), pairing each with an END would be quadratic.
 */
const PEM_BEGIN = /-----BEGIN ([^-\r\n]*)-----/g;
/** How many block labels a refusal lists. */
const LABELS_SHOWN = 3;

/**
 * The one CA certificate in `pem`, or `invalid_ca`. `source` names where the PEM came from in
 * the message (`https://cp:8443/v1/ca`, a config file). Refused: no block, two or more blocks,
 * a block of another kind, text outside the block, a block that is not exactly one X.509
 * certificate, and a certificate that is not a CA. `wayOut` ends the message (default: nothing
 * was sent; check the URL or suspect a man in the middle).
 */
export function singleCaCertificate(pem: unknown, source: string, wayOut = DEFAULT_WAY_OUT): PinnableCa {
  const refuse = (why: string, details: Record<string, unknown> = {}): never => {
    throw new OtherixError(
      'invalid_ca',
      `${source} ${why}: the control plane's CA is exactly one CA certificate, and a fingerprint pins exactly one; ${wayOut}`,
      { details: { source, ...details } },
    );
  };
  if (typeof pem !== 'string') return refuse('holds no PEM text');
  const begins = [...pem.matchAll(PEM_BEGIN)];
  if (begins.length > 1) {
    const labels = begins.slice(0, LABELS_SHOWN).map((begin) => begin[1]);
    const more = begins.length > LABELS_SHOWN ? ', ...' : '';
    return refuse(`holds ${begins.length} PEM blocks (${labels.join(', ')}${more}), not one certificate`, { blocks: begins.length });
  }
  const blocks = [...pem.matchAll(PEM_BLOCK)];
  if (blocks.length === 0) return refuse('holds no PEM CERTIFICATE block');
  const [block] = blocks as [RegExpMatchArray];
  if (block[1] !== 'CERTIFICATE') return refuse(`holds a ${block[1]} block, not a CERTIFICATE`);
  if (pem.replace(block[0], '').trim() !== '') return refuse('holds text outside its CERTIFICATE block');
  const body = block[2].replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return refuse('holds a CERTIFICATE block that is not base64');
  const der = Buffer.from(body, 'base64');
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(der);
  } catch (error) {
    return refuse(`holds a CERTIFICATE block that is not an X.509 certificate (${(error as Error).message})`);
  }
  // Exactly one DER certificate: nothing may ride along after it inside the block.
  if (!certificate.raw.equals(der)) return refuse('holds bytes after the certificate inside its CERTIFICATE block');
  if (!certificate.ca) return refuse(`holds a certificate that is not a CA (${certificate.subject.replace(/\n/g, ', ')})`);
  return { der, pem: toPem('CERTIFICATE', der), fingerprint: fingerprintOfDer(der) };
}
