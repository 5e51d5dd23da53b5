// GET and POST /v1/ca/rotation (admin): the CA rotation's phase and progress, and moving it
// (services/ca-rotation.ts holds the rules).
import type { FastifyInstance } from 'fastify';
import { audit } from '../../../audit/audit.js';
import type { RouteOf } from '../../../openapi/operation-types.js';
import { routeSchema } from '../../../openapi/route-schema.js';
import { rotationToApi } from '../../../services/ca-rotation-api.js';

export default async function caRotationRoute(app: FastifyInstance): Promise<void> {
  const rotation = app.services.caRotation;
  app.get('/rotation', { schema: routeSchema('getCaRotation') }, async () => {
    await rotation.refresh();
    return rotationToApi(await rotation.status());
  });
  app.post<RouteOf<'moveCaRotation'>>('/rotation', { schema: routeSchema('moveCaRotation') }, async (request) => {
    const from = rotation.trust.phase;
    const force = request.body.force ?? false;
    const before = force ? (await rotation.status()).lagging.map((l) => l.name) : [];
    const moved = await rotation.move(request.body.target, { force });
    audit(request, 'ca_rotation.moved', { from, to: moved.phase, force, new_ca_fingerprint: moved.nextFingerprint, lagging: before });
    return rotationToApi(moved);
  });
}
