// GET /v1/ca (anyone): the cluster CA, which clients pin by fingerprint (TOFU).
import type { FastifyInstance } from 'fastify';
import { routeSchema } from '../../openapi/route-schema.js';

export default async function caRoute(app: FastifyInstance): Promise<void> {
  app.get('/ca', { schema: routeSchema('getCa') }, async (_request, reply) => {
    // The Date header tells the CP's clock, the one it dates certificates with: bootstrap compares
    // it with the host's before it spends a token (the http layer would send the OS clock).
    reply.header('date', new Date(app.clock()).toUTCString());
    return { ca_pem: app.ca.certPem, fingerprint: app.ca.fingerprint };
  });
}
