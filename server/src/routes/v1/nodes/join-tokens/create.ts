// POST /v1/nodes/join-tokens (admin): mint a join token; the plaintext is in this response only.
import type { FastifyInstance } from 'fastify';
import { audit } from '../../../../audit/audit.js';
import type { RouteOf } from '../../../../openapi/operation-types.js';
import { routeSchema } from '../../../../openapi/route-schema.js';
import { principalOf } from '../../../../plugins/auth.js';

export default async function createJoinTokenRoute(app: FastifyInstance): Promise<void> {
  app.post<RouteOf<'createJoinToken'>>('', { schema: routeSchema('createJoinToken') }, async (request, reply) => {
    const minted = await app.services.joinTokens.mint(request.body, principalOf(request).name);
    audit(request, 'join_token.minted', {
      join_token_id: minted.id,
      node_name: minted.node_name,
      max_uses: minted.max_uses,
      expires_at: minted.expires_at,
    });
    reply.code(201);
    return minted;
  });
}
