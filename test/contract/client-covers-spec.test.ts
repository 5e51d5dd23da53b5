// The client has a method for every operation in openapi.yaml, and nothing the spec lacks.
import test from 'ava';
import { createClient } from '@otherix/sdk';
import { openApiDocument } from '@otherix/sdk/internal';

const METHOD_OF_OPERATION: Record<string, string> = {
  getHealth: 'health',
  getReadiness: 'readiness',
  getCa: 'ca.get',
  getCaRotation: 'ca.rotation',
  moveCaRotation: 'ca.moveRotation',
  whoami: 'whoami',
  joinNode: 'nodes.join',
  sendHeartbeat: 'nodes.heartbeat',
  renewNode: 'nodes.renew',
  listNodes: 'nodes.list',
  getNode: 'nodes.get',
  deleteNode: 'nodes.delete',
  cordonNode: 'nodes.cordon',
  uncordonNode: 'nodes.uncordon',
  createJoinToken: 'joinTokens.create',
  listJoinTokens: 'joinTokens.list',
  revokeJoinToken: 'joinTokens.revoke',
  listJoinTokenConsumptions: 'joinTokens.consumptions',
  createApiToken: 'apiTokens.create',
  listApiTokens: 'apiTokens.list',
  revokeApiToken: 'apiTokens.revoke',
};

test('every operationId maps to a client method, and every mapped one exists in the spec', async (t) => {
  const operationIds: string[] = [];
  for (const item of Object.values(openApiDocument.paths) as Array<Record<string, { operationId?: string }>>) {
    for (const operation of Object.values(item)) if (typeof operation?.operationId === 'string') operationIds.push(operation.operationId);
  }
  t.deepEqual([...operationIds].sort(), Object.keys(METHOD_OF_OPERATION).sort());

  // No connection is made: constructing a client is local.
  const client = createClient({ cpUrl: 'https://127.0.0.1:1', caPem: 'unused until a connection' });
  try {
    for (const [operationId, path] of Object.entries(METHOD_OF_OPERATION)) {
      const method = path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], client);
      t.is(typeof method, 'function', `${operationId} -> client.${path}`);
    }
  } finally {
    await client.close();
  }
});
