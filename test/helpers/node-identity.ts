// A node identity obtained the way an agent obtains it (key, CSR, join through the SDK client),
// for tests that need a certificate of the cluster CA that is not the CP's.
import { createClient, createCsr, exportPrivateKeyPem, generateNodeKeyPair } from '@otherix/sdk';
import type { JoinResponse } from '@otherix/sdk';

export interface JoinedNode {
  join: JoinResponse;
  certPem: string;
  keyPem: string;
}

export async function joinNodeThroughSdk(
  cp: { url: string; caPem: string; adminToken: string },
  nodeName: string,
  host = '127.0.0.1',
): Promise<JoinedNode> {
  const admin = createClient({ cpUrl: cp.url, caPem: cp.caPem, token: cp.adminToken });
  const anonymous = createClient({ cpUrl: cp.url, caPem: cp.caPem });
  try {
    const minted = await admin.joinTokens.create({ node_name: nodeName, ttl_seconds: 600 });
    const keys = await generateNodeKeyPair();
    const join = await anonymous.nodes.join({
      token: minted.token,
      node_name: nodeName,
      csr_pem: await createCsr(keys, nodeName),
      advertised_endpoint: `https://${host}:9443`,
      migration: { host, port_range_start: 49152, port_range_end: 49251 },
      architecture: 'amd64',
      agent_version: '0.1.0-test',
    });
    return { join, certPem: join.certificate_pem, keyPem: await exportPrivateKeyPem(keys.privateKey) };
  } finally {
    await admin.close();
    await anonymous.close();
  }
}
