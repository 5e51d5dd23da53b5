// Authentication and the role table (SPEC §3). Who may call a route is its operation's
// `security` and `x-roles` in openapi.yaml (openapi/route-access.ts): `public` (no credential),
// `mtls` (a node's client certificate, checked by the route's service), or `bearer`, an API
// token with one of the roles listed. Routes declare none of it: a route that is no operation
// of the spec, or that sets its own auth or roles, fails at startup, so the table fails closed.
import type { FastifyRequest } from 'fastify';
import { OtherixError } from '@otherix/sdk';
import { HttpError } from '../errors.js';
import { routeAccess } from '../openapi/route-access.js';
import type { RouteAccess, RouteAuth } from '../openapi/route-access.js';
import type { Principal } from '../services/principal.js';
import type { Role } from '../store/store.js';
import { sharedPlugin } from './shared-plugin.js';

export type { RouteAuth } from '../openapi/route-access.js';
export type RouteRoles = readonly Role[];

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set from openapi.yaml when the route is added (routes never set it). */
    access?: RouteAccess;
  }
  interface FastifyRequest {
    /** The API token behind a bearer-authenticated request; null on public and mTLS routes. */
    principal: Principal | null;
  }
  interface FastifyInstance {
    /** What the app serves and who may call it (the test that routes and spec operations agree reads it). */
    servedRoutes: readonly ServedRoute[];
  }
}

export interface ServedRoute {
  method: string;
  /** Fastify's form: /v1/nodes/:node/cordon. */
  url: string;
  /** Who may call it: its operation's security. */
  auth: RouteAuth;
  /** With bearer auth: its operation's x-roles. */
  roles: RouteRoles | undefined;
}

function assertRole(principal: Principal, roles: readonly Role[]): void {
  if (roles.includes(principal.role)) return;
  const needed = roles.length === 1 ? `the ${roles[0]} role` : `one of the roles ${roles.join(', ')}`;
  throw new HttpError(
    'forbidden',
    `this needs ${needed}; the API token ${principal.name} has the ${principal.role} role: ask an admin for a token with ${needed}`,
    {
      required_roles: [...roles],
      role: principal.role,
    },
  );
}

export default sharedPlugin('otherix-auth', async (app) => {
  app.decorateRequest('principal', null);
  const servedRoutes: ServedRoute[] = [];
  app.decorate('servedRoutes', servedRoutes);
  app.addHook('onRoute', (route) => {
    const where = `${[route.method].flat().join(',')} ${route.url}`;
    const declared = (route.config ?? {}) as Record<string, unknown>;
    if ('auth' in declared || 'roles' in declared || 'access' in declared) {
      throw new OtherixError(
        'internal',
        `route ${where} declares who may call it: that is its operation's security and x-roles in openapi.yaml, remove it from the route`,
      );
    }
    for (const method of [route.method].flat()) {
      const access = routeAccess(method, route.url);
      if (access === undefined) {
        throw new OtherixError(
          'internal',
          `route ${where} is no operation of openapi.yaml: add the operation (with its security and x-roles) before serving it`,
        );
      }
      route.config = { ...route.config, access };
      servedRoutes.push({ method, url: route.url, auth: access.auth, roles: access.roles });
    }
  });
  // onRequest: refuse before the body is even read.
  app.addHook('onRequest', async (request) => {
    if (request.is404) return;
    const access = request.routeOptions.config.access;
    // Fail closed even so: a route without access allows no one.
    if (access?.auth === 'public' || access?.auth === 'mtls') return;
    const principal = await app.services.apiTokens.authenticate(request.headers.authorization);
    assertRole(principal, access?.roles ?? []);
    request.principal = principal;
  });
});

/** The principal of a bearer-authenticated route (the auth hook guarantees it). */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === null) throw new OtherixError('internal', 'principalOf on a route without bearer auth');
  return request.principal;
}
