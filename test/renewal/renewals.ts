// Renewals as a node sends them (POST /v1/nodes/renew over mTLS with its current certificate and a
// CSR for a new key), what a test reads back about a node's certificates through the public
// Store interface, and hosts bootstrapped by the real binary with the identity on their disk.
import type { ExecutionContext } from 'ava';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OtherixClient } from '@otherix/sdk';
import type { KeyPairPem } from '@otherix/server';
import { bootstrapWithBoundToken, makeNodeHost } from '../harness/agent.js';
import type { NodeHost } from '../harness/agent.js';
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
  const response = await api(cp, 'POST', '/v1/nodes/renew', {
    body: { csr_pem: csr ?? fresh.csrPem },
    ...(cert === undefined ? {} : { cert }),
  });
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

/** Asserts that the CP recorded exactly `expected` ({serial: status}) for those serials. */
export async function assertCertificateStatuses(
  t: ExecutionContext,
  cp: ControlPlane,
  expected: Record<string, string>,
  message?: string,
): Promise<void> {
  t.deepEqual(await certificateStatuses(cp, Object.keys(expected)), expected, message);
}

/** A host bootstrapped by the real binary with a token bound to `name`; kept in `hosts` for removal. */
export async function bootstrappedHost(
  cp: { url: string; caFingerprint: string },
  admin: OtherixClient,
  name: string,
  hosts: NodeHost[],
): Promise<NodeHost> {
  const host = await makeNodeHost();
  hosts.push(host);
  const run = await bootstrapWithBoundToken(cp, admin, { nodeName: name, certDir: host.certDir, configPath: host.configPath });
  if (run.exitCode !== 0) throw new Error(`bootstrap failed: ${run.stderr}`);
  return host;
}

/** The identity in a host's cert dir, checked whole (the key is the certificate's, which ca.crt signed). */
export async function identityOnDisk(host: NodeHost): Promise<{ certPem: string; keyPem: string; serial: string }> {
  const certPem = await readFile(join(host.certDir, 'agent.crt'), 'utf8');
  const keyPem = await readFile(join(host.certDir, 'agent.key'), 'utf8');
  const leaf = new X509Certificate(certPem);
  if (!leaf.checkPrivateKey(createPrivateKey(keyPem))) throw new Error('agent.key does not match agent.crt: a torn set');
  if (!leaf.verify(new X509Certificate(await readFile(join(host.certDir, 'ca.crt'), 'utf8')).publicKey))
    throw new Error('agent.crt does not chain to ca.crt');
  return { certPem, keyPem, serial: serialOf(certPem) };
}
