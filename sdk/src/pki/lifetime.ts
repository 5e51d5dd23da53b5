// A leaf's lifetime as the CP meant it. Every certificate the CA writes has `notBefore` an hour
// before it was signed (so a host whose clock lags the CP's can use it at once), and
// `notAfter` = signing time + the CP's node-certificate lifetime. The lifetime therefore counts
// from signing, not from notBefore: a 1-minute leaf is valid for 61 minutes by its dates but ends
// one minute after it was signed. Whoever schedules a renewal (the agent, at 2/3 of the lifetime)
// must start from the signing time, or a short leaf would look past its renewal point at once.
import { X509Certificate } from 'node:crypto';
import { OtherixError } from '../errors.js';

/** How far before signing every certificate of the cluster CA starts (the CP's rule, one source). */
export const CERTIFICATE_BACKDATE_MS = 60 * 60 * 1000;

export interface CertificateTimes {
  /** Lower-case hex without leading zeros, the API's form. */
  serial: string;
  notBefore: number;
  notAfter: number;
  /** When the CP signed it: notBefore + CERTIFICATE_BACKDATE_MS (never later than notAfter). */
  issuedAt: number;
  /** notAfter - issuedAt. */
  lifetimeMs: number;
}

export function certificateTimes(certPem: string): CertificateTimes {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch (error) {
    throw new OtherixError('chain_invalid', `the certificate is not a readable X.509 PEM certificate: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const notBefore = Date.parse(cert.validFrom);
  const notAfter = Date.parse(cert.validTo);
  // A certificate written by someone else (or dated oddly) counts from its notBefore.
  const backdated = notBefore + CERTIFICATE_BACKDATE_MS;
  const issuedAt = backdated < notAfter ? backdated : notBefore;
  return {
    serial: cert.serialNumber.toLowerCase().replace(/^0+(?=.)/, ''),
    notBefore,
    notAfter,
    issuedAt,
    lifetimeMs: notAfter - issuedAt,
  };
}
