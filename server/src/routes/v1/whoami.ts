// GET /v1/whoami (any API token): the calling token's name and role.
import type { FastifyInstance } from 'fastify';
import { routeSchema } from '../../openapi/route-schema.js';
import { principalOf } from '../../plugins/auth.js';

export default async function whoamiRoute(app: FastifyInstance): Promise<void> {
  app.get('/whoami', { schema: routeSchema('whoami') }, async (request) => {
    const { name, role } = principalOf(request);
    return { name, role };
  });
}
