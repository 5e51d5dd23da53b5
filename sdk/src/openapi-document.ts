// The control plane's OpenAPI document as data, so the server validates and serializes with
// the very schemas the client types were generated from (never hand-copied schemas).
import document from './generated/openapi.json' with { type: 'json' };

/** A minimal view of the parts of an OpenAPI 3.1 document the server reads. */
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  components: {
    schemas: Record<string, Record<string, unknown>>;
    parameters?: Record<string, Record<string, unknown>>;
    responses?: Record<string, Record<string, unknown>>;
  };
}

/** The parsed openapi.yaml (frozen at module load; treat as read-only). */
export const openApiDocument: OpenApiDocument = document;
