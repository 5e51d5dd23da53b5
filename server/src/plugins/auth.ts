// Authentication and the role table (SPEC §3). Each route declares in its config who may call
// it: `auth: 'public'` (no credential), `'mtls'` (a node's client certificate, checked by the
// route's service), or the default, a bearer API token, optionally limited to `roles`.
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';
import { HttpError } from '../errors.js';
import type { Principal } from '../services/principal.js';
import type { Role } from '../store/store.js';
import { sharedPlugin } from './shared-plugin.js';

export type RouteAuth = 'public' | 'bearer' | 'mtls';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Default 'bearer'. */
    auth?: RouteAuth;
    /** With bearer auth: the roles allowed; omitted = every role. */
    roles?: readonly Role[];
  }
  interface FastifyRequest {
    /** The API token behind a bearer-authenticated request; null on public and mTLS routes. */
    principal: Principal | null;
  }
}

export interface PeerCertificateInfo {
  /** The chain verified against the cluster CA (TLS layer; client certificates are optional there). */
  authorized: boolean;
  /** Why the chain did not verify, when it did not. */
  authorizationError: string | null;
  /** The client's leaf, or null when it sent none. */
  certificate: PeerCertificate | null;
}

/** The TLS peer certificate of a request, for the mTLS routes (heartbeat). */
export function peerCertificateOf(request: FastifyRequest): PeerCertificateInfo {
  const socket = request.raw.socket as TLSSocket;
  const certificate = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : null;
  const present = certificate !== null && Object.keys(certificate).length > 0;
  const error = socket.authorizationError as Error | string | null | undefined;
  return {
    authorized: socket.authorized === true,
    authorizationError: error === null || error === undefined ? null : String(error),
    certificate: present ? certificate : null,
  };
}

export function assertRole(principal: Principal, roles: readonly Role[]): void {
  if (roles.includes(principal.role)) return;
  const needed = roles.length === 1 ? `the ${roles[0]} role` : `one of the roles ${roles.join(', ')}`;
  throw new HttpError('forbidden', `this needs ${needed}; the API token ${principal.name} has the ${principal.role} role: ask an admin for a token with ${needed}`, {
    required_roles: [...roles],
    role: principal.role,
  });
}

export default sharedPlugin('otherix-auth', async (app) => {
  app.decorateRequest('principal', null);
  // onRequest: refuse before the body is even read.
  app.addHook('onRequest', async (request) => {
    if (request.is404) return;
    const config = request.routeOptions.config;
    const auth = config.auth ?? 'bearer';
    if (auth !== 'bearer') return;
    const principal = await app.services.apiTokens.authenticate(request.headers.authorization);
    if (config.roles !== undefined) assertRole(principal, config.roles);
    request.principal = principal;
  });
});

/** The principal of a bearer-authenticated route (the auth hook guarantees it). */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === null) throw new Error('principalOf on a route without bearer auth');
  return request.principal;
}
