// The SDK's public face: what @otherix/sdk promises. Nothing else is public.
export type { paths, components, operations } from './generated/openapi.js';

// --- client, TOFU pinning, bootstrap (issue 5) ---
export { createClient, parseCpUrl } from './client/create-client.js';
export type { ClientOptions, OtherixClient } from './client/create-client.js';
export { DEFAULT_REQUEST_TIMEOUT_MS } from './client/transport.js';
export type { ClientCertificate } from './client/transport.js';
export { classifyConnectionFailure } from './client/connection-errors.js';
export type { ConnectionFailureCode } from './client/connection-errors.js';
export type {
  ApiErrorBody,
  ApiTokenCreated,
  ApiTokenCreateRequest,
  ApiTokenPage,
  ApiTokenSummary,
  CaBundle,
  Consumption,
  ConsumptionPage,
  Hardware,
  HeartbeatRequest,
  HeartbeatResponse,
  JoinRequest,
  JoinResponse,
  JoinTokenCreated,
  JoinTokenCreateRequest,
  JoinTokenListQuery,
  JoinTokenPage,
  JoinTokenSummary,
  Migration,
  Node,
  NodeCertificate,
  NodeListQuery,
  NodePage,
  NodeStatus,
  NodeSummary,
  NodeSummaryPage,
  PageQuery,
  Role,
  TokenRejectedReason,
  Whoami,
} from './client/types.js';
export { pinCa } from './pki/tofu.js';
export type { PinCaOptions, PinnedCa } from './pki/tofu.js';
// --- end client ---
// --- the OpenAPI document as data, for the server's schemas (issue 3) ---
export { openApiDocument } from './openapi-document.js';
export type { OpenApiDocument } from './openapi-document.js';
// --- end OpenAPI document ---
