// Route schemas of the node side, from openapi.yaml with two deliberate departures:
// - node ids and names in the path are checked by services/nodes.ts, whose 400 says which one to
//   pass (the spec's Uuid pattern error would not);
// - list/get declare `oneOf` by role: each projection is serialized with its own precompiled
//   serializer instead (no per-item oneOf matching, and no Node field can reach a viewer).
import type { ProjectedNode, ProjectedPage } from '../services/nodes.js';
import { routeSchema } from './route-schema.js';
import type { OperationId, RouteSchema } from './route-schema.js';

/** The operation's schema without the path-parameter pattern (checked by the service). */
export function nodeRouteSchema(operationId: OperationId): RouteSchema {
  const { params: _params, ...schema } = routeSchema(operationId);
  return schema;
}

/** The operation's schema without its 200 oneOf (replies are serialized per projection). */
export function projectedRouteSchema(operationId: OperationId): RouteSchema {
  const schema = routeSchema(operationId);
  const { '200': _ok, ...errors } = schema.response;
  return { ...schema, response: errors };
}

/** Serializer schemas, one object each so Fastify compiles each once (reply.serializeInput caches by identity). */
export const PROJECTION_SCHEMAS: Record<'page' | 'node', Record<'full' | 'summary', SerializerSchema>> = {
  page: { full: { $ref: 'NodePage#' }, summary: { $ref: 'NodeSummaryPage#' } },
  node: { full: { $ref: 'Node#' }, summary: { $ref: 'NodeSummary#' } },
};

type SerializerSchema = Record<string, unknown>;

export function pageSchemaOf(page: ProjectedPage): SerializerSchema {
  return PROJECTION_SCHEMAS.page[page.projection];
}

export function nodeSchemaOf(node: ProjectedNode): SerializerSchema {
  return PROJECTION_SCHEMAS.node[node.projection];
}
