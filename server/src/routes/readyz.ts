// GET /readyz (anyone): this CP (replica) can reach and write its database now (/healthz is
// liveness only): a load balancer routes only to replicas that answer 200.
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../errors.js';
import { routeSchema } from '../openapi/route-schema.js';
import { resourceShortName, resourceKindOf } from '../services/resource-alarm.js';

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'timeout',
  '57P01',
  '57P03',
]);

export default async function readinessRoute(app: FastifyInstance): Promise<void> {
  app.get('/readyz', { schema: routeSchema('getReadiness') }, async () => {
    try {
      await app.store.probeWrite(app.clock());
    } catch (error) {
      // Public: the cause without the server's paths; the log has the rest.
      const code = (error as { code?: string }).code ?? (/timeout/i.test((error as Error).message) ? 'timeout' : 'error');
      const kind = resourceKindOf(error);
      // A refused, cut or timed-out connection: the database server (PostgreSQL) is not reachable.
      const what = UNREACHABLE.has(code) ? 'reached' : 'written';
      throw new HttpError(
        'unavailable',
        `not ready: the database cannot be ${what} (${code}${kind === undefined ? '' : `: ${resourceShortName(kind)}`}); the server log says what to do`,
        { database_error: code },
      );
    }
    return { status: 'ok' as const };
  });
}
