// GET /readyz (anyone): the CP can write its database now (/healthz is liveness only).
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../errors.js';
import { routeSchema } from '../openapi/route-schema.js';
import { resourceShortName, resourceKindOf } from '../services/resource-alarm.js';

export default async function readinessRoute(app: FastifyInstance): Promise<void> {
  app.get('/readyz', { schema: routeSchema('getReadiness') }, async () => {
    try {
      await app.store.probeWrite(app.clock());
    } catch (error) {
      // Public: the cause without the server's paths; the log has the rest.
      const code = (error as { code?: string }).code ?? 'error';
      const kind = resourceKindOf(error);
      throw new HttpError('unavailable', `not ready: the database cannot be written (${code}${kind === undefined ? '' : `: ${resourceShortName(kind)}`}); the server log says what to do`, { database_error: code });
    }
    return { status: 'ok' as const };
  });
}
