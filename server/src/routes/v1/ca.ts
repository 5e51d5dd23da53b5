// GET /v1/ca (anyone): the cluster CA, which clients pin by fingerprint (TOFU).
import type { FastifyInstance } from 'fastify';
import { routeSchema } from '../../openapi/route-schema.js';

export default async function caRoute(app: FastifyInstance): Promise<void> {
  app.get('/ca', { schema: routeSchema('getCa'), config: { auth: 'public' } }, async () => ({
    ca_pem: app.ca.certPem,
    fingerprint: app.ca.fingerprint,
  }));
}
