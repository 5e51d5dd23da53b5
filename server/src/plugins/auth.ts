// Authentication and the role table (SPEC §3). Each route declares in its config who may call
// it: `auth: 'public'` (no credential), `'mtls'` (a node's client certificate, checked by the
// route's service), or the default, a bearer API token, with the `roles` it allows (required,
// `'any'` spelled out: a bearer route that forgot its roles fails at startup, never open).
// openapi.yaml records the same table as each operation's `x-roles` (test/contract/routes-match-spec).
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';
import { HttpError } from '../errors.js';
import type { Principal } from '../services/principal.js';
import type { Role } from '../store/store.js';
import { sharedPlugin } from './shared-plugin.js';

export type RouteAuth = 'public' | 'bearer' | 'mtls';
export type RouteRoles = readonly Role[] | 'any';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Default 'bearer'. */
    auth?: RouteAuth;
    /** With bearer auth (required there): the roles allowed, or 'any' for every role. */
    roles?: RouteRoles;
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
  app.addHook('onRoute', (route) => {
    const config = (route.config ?? {}) as { auth?: RouteAuth; roles?: RouteRoles };
    const auth = config.auth ?? 'bearer';
    const where = `${[route.method].flat().join(',')} ${route.url}`;
    if (auth === 'bearer' && (config.roles === undefined || (config.roles !== 'any' && config.roles.length === 0))) {
      throw new Error(`route ${where} takes an API token but declares no roles: set config.roles (a list, or 'any')`);
    }
    if (auth !== 'bearer' && config.roles !== undefined) throw new Error(`route ${where} is ${auth}: roles apply to API tokens only`);
  });
  // onRequest: refuse before the body is even read.
  app.addHook('onRequest', async (request) => {
    if (request.is404) return;
    const config = request.routeOptions.config;
    const auth = config.auth ?? 'bearer';
    if (auth !== 'bearer') return;
    const principal = await app.services.apiTokens.authenticate(request.headers.authorization);
    // Fail closed even so: no roles allows no one.
    const roles = config.roles ?? [];
    if (roles !== 'any') assertRole(principal, roles);
    request.principal = principal;
  });
});

/** The principal of a bearer-authenticated route (the auth hook guarantees it). */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === null) throw new Error('principalOf on a route without bearer auth');
  return request.principal;
}
