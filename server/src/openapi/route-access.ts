// Who may call each operation, read from openapi.yaml and nowhere else (SPEC §3's role table):
// its `security` says how the caller proves itself (none: anyone; bearerAuth: an API token;
// mutualTLS: a node's client certificate), and for an API token its `x-roles` say which roles
// may call it. Routes declare neither: the auth plugin looks each one up here when it is added.
import { OtherixError } from '@otherix/sdk';
import { openApiDocument } from '@otherix/sdk/internal';
import type { Role } from '../store/store.js';
import { fastifyPath, specOperations } from './route-schema.js';

export type RouteAuth = 'public' | 'bearer' | 'mtls';

export interface RouteAccess {
  auth: RouteAuth;
  /** With bearer auth: the roles allowed (never empty); otherwise none. */
  roles?: readonly Role[];
}

interface SpecOperation {
  security?: Record<string, unknown>[];
  'x-roles'?: Role[];
}

const SCHEMES: Record<string, RouteAuth> = { bearerAuth: 'bearer', mutualTLS: 'mtls' };

function accessOf(operationId: string, operation: SpecOperation): RouteAccess {
  const document = openApiDocument as unknown as { security?: Record<string, unknown>[] };
  const security = operation.security ?? document.security ?? [];
  const schemes = security.flatMap((requirement) => Object.keys(requirement));
  if (schemes.length === 0) return { auth: 'public' };
  const auth = schemes.length === 1 ? SCHEMES[schemes[0]] : undefined;
  if (auth === undefined)
    throw new OtherixError(
      'internal',
      `openapi: ${operationId} must name one security scheme of ${Object.keys(SCHEMES).join(', ')}, not ${schemes.join(', ')}`,
    );
  const roles = operation['x-roles'] ?? [];
  // Fail closed: an API-token operation that names no role would be open to none, or by a slip to all.
  if (auth === 'bearer' && roles.length === 0)
    throw new OtherixError('internal', `openapi: ${operationId} takes an API token but lists no x-roles`);
  if (auth !== 'bearer' && roles.length > 0)
    throw new OtherixError('internal', `openapi: ${operationId} is ${auth}: x-roles apply to API tokens only`);
  return auth === 'bearer' ? { auth, roles } : { auth };
}

let table: Map<string, RouteAccess> | undefined;

/** The access of the operation served at `method` `url` (Fastify's form, `/v1/nodes/:node`), or undefined when none is. */
export function routeAccess(method: string, url: string): RouteAccess | undefined {
  if (table === undefined) {
    const paths = openApiDocument.paths as Record<string, Record<string, SpecOperation>>;
    table = new Map(
      specOperations().map((op) => [
        `${op.method} ${fastifyPath(op.path)}`,
        accessOf(op.operationId, paths[op.path][op.method.toLowerCase()]),
      ]),
    );
  }
  return table.get(`${method.toUpperCase()} ${url}`);
}
