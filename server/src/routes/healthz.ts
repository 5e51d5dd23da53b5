// GET /healthz (anyone): the CP is up.
import type { FastifyInstance } from 'fastify';
import { routeSchema } from '../openapi/route-schema.js';

export default async function healthRoute(app: FastifyInstance): Promise<void> {
  app.get('/healthz', { schema: routeSchema('getHealth') }, async () => ({ status: 'ok' as const }));
}
