// Registers openapi.yaml's components.schemas as shared schemas (`Name#`), and coerces query
// strings (only them: JSON bodies are validated as sent, with no type coercion).
import type { FastifyRequest } from 'fastify';
import { sharedSchemas } from '../openapi/route-schema.js';
import { sharedPlugin } from './shared-plugin.js';

type QuerySchema = { properties?: Record<string, { type?: string | string[] }> };

function coerce(value: string, type: string | string[] | undefined): unknown {
  const types = Array.isArray(type) ? type : [type];
  if (types.includes('integer') && /^-?\d+$/.test(value)) return Number(value);
  if (types.includes('number') && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  if (types.includes('boolean') && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

export default sharedPlugin('otherix-schemas', async (app) => {
  for (const schema of sharedSchemas()) app.addSchema(schema);

  app.addHook('preValidation', async (request: FastifyRequest) => {
    const schema = request.routeOptions.schema?.querystring as QuerySchema | undefined;
    const query = request.query as Record<string, unknown> | undefined;
    if (schema?.properties === undefined || query === undefined || query === null) return;
    for (const [key, value] of Object.entries(query)) {
      if (typeof value === 'string') query[key] = coerce(value, schema.properties[key]?.type);
    }
  });
});
