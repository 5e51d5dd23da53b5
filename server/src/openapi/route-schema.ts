// Fastify route schemas derived from openapi.yaml (through the SDK's openApiDocument): the
// server validates requests and serializes responses with the contract itself.
import { OtherixError } from '@otherix/sdk';
import { openApiDocument } from '@otherix/sdk/internal';
import type { operations } from '@otherix/sdk';

export type OperationId = keyof operations;

type Json = Record<string, unknown>;

const SCHEMA_REF = '#/components/schemas/';
const PARAMETER_REF = '#/components/parameters/';
const RESPONSE_REF = '#/components/responses/';

/** Rewrites `#/components/schemas/X` refs to the shared-schema id `X#` (see sharedSchemas, added by plugins/schemas.ts). */
export function rewriteRefs<T>(value: T): T {
  if (Array.isArray(value)) return value.map(rewriteRefs) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [key, child] of Object.entries(value as Json)) {
    out[key] =
      key === '$ref' && typeof child === 'string' && child.startsWith(SCHEMA_REF)
        ? `${child.slice(SCHEMA_REF.length)}#`
        : rewriteRefs(child);
  }
  return out as T;
}

/** Every components.schemas entry, with `$id` = its name, ready for app.addSchema. */
export function sharedSchemas(): Json[] {
  return Object.entries(openApiDocument.components.schemas).map(([name, schema]) => ({ $id: name, ...rewriteRefs(schema) }));
}

export interface OperationRef {
  method: string;
  /** The OpenAPI path template, e.g. /v1/nodes/{node}/cordon. */
  path: string;
  operationId: string;
}

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);

export function specOperations(): OperationRef[] {
  const out: OperationRef[] = [];
  for (const [path, item] of Object.entries(openApiDocument.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!HTTP_METHODS.has(method)) continue;
      out.push({ method: method.toUpperCase(), path, operationId: (operation as { operationId: string }).operationId });
    }
  }
  return out;
}

/** `/v1/nodes/{node}/cordon` -> `/v1/nodes/:node/cordon`. */
export function fastifyPath(template: string): string {
  return template.replace(/\{([^}]+)\}/g, ':$1');
}

function resolve(value: Json, prefix: string, table: Record<string, Json> | undefined): Json {
  const ref = value['$ref'];
  if (typeof ref === 'string' && ref.startsWith(prefix)) {
    const target = table?.[ref.slice(prefix.length)];
    if (target === undefined) throw new OtherixError('internal', `openapi: unresolved ${ref}`);
    return target;
  }
  return value;
}

function findOperation(operationId: string): { method: string; item: Json; operation: Json } {
  for (const item of Object.values(openApiDocument.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (HTTP_METHODS.has(method) && (operation as Json)['operationId'] === operationId)
        return { method, item: item, operation: operation as Json };
    }
  }
  throw new OtherixError('internal', `openapi: no operation ${operationId}`);
}

export interface RouteSchema {
  params?: Json;
  querystring?: Json;
  body?: Json;
  response: Record<string, Json>;
}

/** params / querystring / body / response schemas of one operation. Unknown query parameters and undeclared bodies are refused too. */
export function routeSchema(operationId: OperationId): RouteSchema {
  const { method, item, operation } = findOperation(operationId);
  const parameters = [
    ...((item['parameters'] as Json[] | undefined) ?? []),
    ...((operation['parameters'] as Json[] | undefined) ?? []),
  ].map((p) => resolve(p, PARAMETER_REF, openApiDocument.components.parameters));
  const schema: RouteSchema = { response: {} };
  // An operation without query parameters refuses any (a typo never passes silently).
  schema.querystring = { type: 'object', additionalProperties: false };
  for (const location of ['path', 'query'] as const) {
    const own = parameters.filter((p) => p['in'] === location);
    if (own.length === 0) continue;
    const properties: Json = {};
    for (const p of own) properties[p['name'] as string] = rewriteRefs(p['schema']);
    const required = own.filter((p) => p['required'] === true).map((p) => p['name'] as string);
    schema[location === 'path' ? 'params' : 'querystring'] = {
      type: 'object',
      properties,
      ...(required.length > 0 ? { required } : {}),
      additionalProperties: false,
    };
  }
  const body = operation['requestBody'] as Json | undefined;
  const bodySchema = (body?.['content'] as Record<string, Json> | undefined)?.['application/json']?.['schema'];
  // No body declared: only an empty one is accepted (the JSON parser turns it into undefined, which
  // Fastify validates as null); anything sent is refused, never ignored. (GET bodies are never read.)
  if (bodySchema !== undefined) schema.body = rewriteRefs(bodySchema as Json);
  else if (method !== 'get' && method !== 'head') schema.body = { type: 'null' };
  for (const [status, response] of Object.entries((operation['responses'] as Record<string, Json> | undefined) ?? {})) {
    const resolved = resolve(response, RESPONSE_REF, openApiDocument.components.responses);
    const content = (resolved['content'] as Record<string, Json> | undefined)?.['application/json']?.['schema'];
    if (content !== undefined) schema.response[status.toLowerCase()] = rewriteRefs(content as Json);
  }
  return schema;
}
