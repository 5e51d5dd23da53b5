// Renewals as a node sends them (POST /v1/nodes/renew over mTLS with its current certificate and a
// CSR for a new key), and what a test reads back about a node's certificates through the public
// Store interface.
import { X509Certificate } from 'node:crypto';
import type { KeyPairPem } from '@otherix/server';
import { api } from '../harness/control-plane.js';
import type { ApiResponse, ControlPlane } from '../harness/control-plane.js';
import { nodeCsr } from '../harness/join-request.js';

export interface Renewed {
  response: ApiResponse;
  /** The new leaf and its key, for mTLS (when the renewal was answered 201). */
  cert: KeyPairPem;
  serial: string;
}

/** POST /v1/nodes/renew with `cert` and a CSR (default: a fresh P-384 key's). */
export async function renew(cp: ControlPlane, cert: KeyPairPem | undefined, name: string, csr?: string): Promise<Renewed> {
  const fresh = await nodeCsr(name);
  const response = await api(cp, 'POST', '/v1/nodes/renew', { body: { csr_pem: csr ?? fresh.csrPem }, ...(cert === undefined ? {} : { cert }) });
  const certPem: string = response.status === 201 ? response.body.certificate_pem : '';
  return { response, cert: { certPem, keyPem: fresh.keyPem }, serial: certPem === '' ? '' : serialOf(certPem) };
}

/** The API's form of a certificate's serial: lower-case hex without leading zeros. */
export function serialOf(certPem: string): string {
  return new X509Certificate(certPem).serialNumber.toLowerCase().replace(/^0+(?=.)/, '');
}

/** The status the CP recorded for each serial (current, pending, renewed, superseded, replaced, revoked). */
export async function certificateStatuses(cp: ControlPlane, serials: readonly string[]): Promise<Record<string, string | undefined>> {
  const out: Record<string, string | undefined> = {};
  for (const serial of serials) out[serial] = (await cp.store.findNodeCertificate(serial))?.status;
  return out;
}
