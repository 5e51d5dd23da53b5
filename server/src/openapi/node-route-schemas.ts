// Route schemas of the node side, from openapi.yaml with two deliberate departures:
// - node ids and names in the path are checked by services/nodes.ts, whose 400 says which one to
//   pass (the spec's Uuid pattern error would not);
// - list/get declare `oneOf` by role: get serializes each projection with its own precompiled
//   serializer instead (no oneOf matching, and no Node field can reach a viewer); list sends the
//   page the store rendered in the caller's form (store/sqlite/node-json-sql.ts).
import type { ProjectedNode } from '../services/nodes.js';
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
const PROJECTION_SCHEMAS: Record<'full' | 'summary', SerializerSchema> = { full: { $ref: 'Node#' }, summary: { $ref: 'NodeSummary#' } };

type SerializerSchema = Record<string, unknown>;

export function nodeSchemaOf(node: ProjectedNode): SerializerSchema {
  return PROJECTION_SCHEMAS[node.projection];
}
