// GET /v1/ca (anyone): the cluster CA, which clients pin by fingerprint (TOFU). During a CA
// rotation: the CA the CP serves from, and the trust bundle for clients that already trust it.
import type { TLSSocket } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import { routeSchema } from '../../openapi/route-schema.js';

export default async function caRoute(app: FastifyInstance): Promise<void> {
  app.get('/ca', { schema: routeSchema('getCa') }, async (request, reply) => {
    // An agent that missed a whole CA rotation looks here with its certificate of the retired CA:
    // the operator hears which node must re-bootstrap (services/ca-rotation.ts).
    const missed = app.services.caRotation.missedRotation(request.raw.socket as TLSSocket);
    if (missed !== undefined) request.log.warn({ code: 'ca_retired', node_name: missed.nodeName }, missed.message);
    // The Date header tells the CP's clock, the one it dates certificates with: bootstrap compares
    // it with the host's before it spends a token (the http layer would send the OS clock).
    reply.header('date', new Date(app.clock()).toUTCString());
    const trust = app.services.caRotation.trust;
    return {
      ca_pem: trust.serving.certPem,
      fingerprint: trust.serving.fingerprint,
      trust_bundle_pem: trust.bundlePem,
      rotation_phase: trust.phase,
      trusted_fingerprints: trust.fingerprints,
      retired_fingerprint: trust.retiredFingerprint ?? null,
      ...(trust.endorsementPem === undefined ? {} : { endorsement_pem: trust.endorsementPem }),
    };
  });
}
