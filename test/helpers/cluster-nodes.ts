// Nodes for the node-side tests, made the way an agent makes them: a join token minted through
// the API, a real P-384 key and CSR, a real join; heartbeats sent over mTLS with the returned
// certificate. Also certificates the CP must refuse (self-signed, from a foreign CA).
import { webcrypto } from 'node:crypto';
import { generateNodeKeyPair, exportPrivateKeyPem, loadX509, nodeSpiffeId } from '@otherix/sdk';
import type { components } from '@otherix/sdk';
import type { KeyPairPem } from '@otherix/server';
import { api } from './control-plane.js';
import type { ApiResponse, ControlPlane } from './control-plane.js';
import { joinRequest, nodeCsr } from './join-request.js';

export type HeartbeatRequest = components['schemas']['HeartbeatRequest'];
export type Node = components['schemas']['Node'];
export type NodeSummary = components['schemas']['NodeSummary'];

export interface JoinedNode {
  id: string;
  name: string;
  /** The node's certificate and key, for mTLS. */
  cert: KeyPairPem;
  serial: string;
  node: Node;
}

export interface JoinNodeOptions {
  architecture?: string;
  /** Mint the token bound to the name (needed to re-join a known name); default true. */
  bound?: boolean;
}

export async function joinNode(cp: ControlPlane, name: string, options: JoinNodeOptions = {}): Promise<JoinedNode> {
  const minted = await api(cp, 'POST', '/v1/nodes/join-tokens', {
    token: cp.adminToken,
    body: options.bound === false ? { max_uses: 1 } : { node_name: name },
  });
  if (minted.status !== 201) throw new Error(`mint failed: ${minted.text}`);
  const { csrPem, keyPem } = await nodeCsr(name);
  const joined = await api(cp, 'POST', '/v1/nodes/join', {
    body: joinRequest(minted.body.token, name, csrPem, options.architecture === undefined ? {} : { architecture: options.architecture }),
  });
  if (joined.status !== 201) throw new Error(`join of ${name} failed: ${joined.text}`);
  const node = joined.body.node as Node;
  return { id: node.id, name, cert: { certPem: joined.body.certificate_pem, keyPem }, serial: node.certificate.serial, node };
}

export function heartbeatBody(overrides: Partial<HeartbeatRequest> = {}): HeartbeatRequest {
  return {
    architecture: 'amd64',
    agent_version: '0.1.0-test',
    heartbeat_interval_seconds: 30,
    hardware: { cpu_model: 'Test CPU @ 3.0GHz', cpu_count: 8, memory_bytes: 17179869184, kvm_present: true, hostname: 'host-under-test', kernel: '6.1.0-test' },
    vm_count: 0,
    active_migrations: 0,
    ...overrides,
  };
}

export function heartbeat(cp: ControlPlane, cert: KeyPairPem | undefined, body: unknown = heartbeatBody(), token?: string): Promise<ApiResponse> {
  return api(cp, 'POST', '/v1/nodes/heartbeat', { body, ...(cert === undefined ? {} : { cert }), ...(token === undefined ? {} : { token }) });
}

/** An API token per non-admin role. */
export async function roleTokens(cp: ControlPlane, prefix: string): Promise<Record<'operator' | 'developer' | 'viewer', string>> {
  const out: Record<string, string> = {};
  for (const role of ['operator', 'developer', 'viewer']) {
    const minted = await api(cp, 'POST', '/v1/api-tokens', { token: cp.adminToken, body: { name: `${prefix}-${role}`, role } });
    if (minted.status !== 201) throw new Error(`api token mint failed: ${minted.text}`);
    out[role] = minted.body.token;
  }
  return out as Record<'operator' | 'developer' | 'viewer', string>;
}

const x509 = await loadX509();
type GeneratorKey = Parameters<typeof x509.X509CertificateGenerator.create>[0] extends infer P
  ? P extends { signingKey: infer K } ? K : never
  : never;
const HOUR = 3_600_000;

/**
 * A certificate naming the node (URI SAN spiffe://otherix/node/<name>, clientAuth) that this
 * cluster's CA never issued: self-signed, or signed by a foreign CA; optionally with the serial
 * of the node's real certificate, so only the chain can tell them apart.
 */
export async function impostorCertificate(name: string, options: { serial?: string; foreignCa?: boolean } = {}): Promise<KeyPairPem> {
  const keys = await generateNodeKeyPair();
  const signer = options.foreignCa === true ? await generateNodeKeyPair() : keys;
  const serial = options.serial ?? webcrypto.getRandomValues(new Uint8Array(16)).reduce((s, b) => s + b.toString(16).padStart(2, '0'), '').replace(/^./, '4');
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject: `CN=${name}`,
    issuer: options.foreignCa === true ? 'CN=Otherix cluster CA, O=Otherix' : `CN=${name}`,
    notBefore: new Date(Date.now() - HOUR),
    notAfter: new Date(Date.now() + 24 * HOUR),
    publicKey: keys.publicKey as unknown as GeneratorKey,
    signingKey: signer.privateKey as unknown as GeneratorKey,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-384' },
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: nodeSpiffeId(name) }, { type: 'ip', value: '127.0.0.1' }]),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await exportPrivateKeyPem(keys) };
}
