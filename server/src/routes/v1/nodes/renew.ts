// POST /v1/nodes/renew (a node, by its current mTLS certificate only): a new leaf for a new key.
import type { TLSSocket } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import { audit } from '../../../audit/audit.js';
import type { RouteOf } from '../../../openapi/operation-types.js';
import { routeSchema } from '../../../openapi/route-schema.js';
import { nodeOf } from '../../../plugins/node-identity.js';

export default async function renewRoute(app: FastifyInstance): Promise<void> {
  app.post<RouteOf<'renewNode'>>('/renew', { schema: routeSchema('renewNode'), config: { metrics: 'renew' } }, async (request, reply) => {
    const node = nodeOf(request);
    // A renewal a CA rotation asked for is not held to the node's spacing (once per node and phase).
    const rotationAsked = app.services.caRotation.exemptRenewal(node, request.raw.socket as TLSSocket);
    const { response, renewed } = await app.services.renewal.renew(node, request.body.csr_pem, { rotationAsked });
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
