// POST /v1/nodes/renew (a node, by its current mTLS certificate only): a new leaf for a new key.
import type { FastifyInstance } from 'fastify';
import type { RouteOf } from '../../../openapi/operation-types.js';
import { routeSchema } from '../../../openapi/route-schema.js';
import { nodeOf } from '../../../plugins/node-identity.js';

export default async function renewRoute(app: FastifyInstance): Promise<void> {
  app.post<RouteOf<'renewNode'>>('/renew', { schema: routeSchema('renewNode') }, async (request, reply) => {
    const { response, renewed } = await app.services.renewal.renew(nodeOf(request), request.body.csr_pem);
    // The CSR is never logged; serials and times are not secret.
    request.log.info(
      { node_name: renewed.nodeName, previous_serial: renewed.previousSerial, serial: renewed.serial, not_after: new Date(renewed.notAfter).toISOString(), superseded_serial: renewed.supersededSerial },
      'node certificate renewed',
    );
    reply.code(201);
    return response;
  });
}
