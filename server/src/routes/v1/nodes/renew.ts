// POST /v1/nodes/renew (a node, by its current mTLS certificate only): a new leaf for a new key.
import type { FastifyInstance } from 'fastify';
import { audit } from '../../../audit/audit.js';
import type { RouteOf } from '../../../openapi/operation-types.js';
import { routeSchema } from '../../../openapi/route-schema.js';
import { nodeOf } from '../../../plugins/node-identity.js';

export default async function renewRoute(app: FastifyInstance): Promise<void> {
  app.post<RouteOf<'renewNode'>>('/renew', { schema: routeSchema('renewNode'), config: { metrics: 'renew' } }, async (request, reply) => {
    const { response, renewed } = await app.services.renewal.renew(nodeOf(request), request.body.csr_pem);
    // The CSR and the new certificate are never logged; serials and times are not secret.
    audit(request, 'node.renewed', {
      node_id: renewed.nodeId,
      node_name: renewed.nodeName,
      serial: renewed.serial,
      previous_serial: renewed.previousSerial,
      not_after: new Date(renewed.notAfter).toISOString(),
      superseded_serial: renewed.supersededSerial ?? null,
    });
    reply.code(201);
    return response;
  });
}
