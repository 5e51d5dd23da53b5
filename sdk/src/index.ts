// @otherix/sdk: what automation and the shells call. This entry is the documented public API
// (sdk/README.md, "Public API"): the client and CA pinning, connectAdmin, bootstrapNode and
// renewNodeCertificate, errors with their codes, the config loaders and the API's types.
// Certificates, keys and CSRs are `@otherix/sdk/pki`; what only the otherix binaries share
// (atomic files, argv, name rules, the CLI's config writer...) is `@otherix/sdk/internal`,
// `@otherix/sdk/argv`, `@otherix/sdk/terminal-text` and `@otherix/sdk/errors`, with no
// stability promise. test/sdk/public-surface.test.ts holds this list and its doc comments.
export type { paths, components, operations } from './generated/openapi.js';
export {
  OtherixError,
  OtherixApiError,
  isOtherixError,
  isApiErrorCode,
  API_ERROR_CODES,
  LOCAL_ERROR_CODES,
  ERROR_CODES,
} from './errors.js';
export type { ApiErrorCode, LocalErrorCode, OtherixErrorCode, OtherixErrorOptions, OtherixApiErrorInit, ErrorBody } from './errors.js';
export { TOKEN_PREFIX, isTokenShape, maskToken } from './tokens.js';
export type { TokenKind } from './tokens.js';
export { parseDuration, formatDuration } from './durations.js';
export { loadConfig } from './config/layered.js';
export type { ConfigValueKind, ConfigKeySpec, ConfigSchema, ConfigSource, LoadConfigOptions, LoadedConfig } from './config/layered.js';
export { createClient, parseCpUrl } from './client/create-client.js';
export type { ClientOptions, OtherixClient } from './client/create-client.js';
export { DEFAULT_REQUEST_TIMEOUT_MS } from './client/transport.js';
export type { ClientCertificate } from './client/transport.js';
export type {
  ApiErrorBody,
  ApiTokenCreated,
  ApiTokenCreateRequest,
  ApiTokenPage,
  ApiTokenSummary,
  CaBundle,
  CaRotation,
  CaRotationRequest,
  Consumption,
  ConsumptionPage,
  Hardware,
  Health,
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
  RenewRequest,
  RenewResponse,
  Role,
  TokenRejectedReason,
  Whoami,
} from './client/types.js';
export { isFullNode, isFullNodePage } from './client/node-projection.js';
export type { NodeProjection } from './client/node-projection.js';
export { pinCa } from './pki/tofu.js';
export type { PinCaOptions, PinnedCa } from './pki/tofu.js';
export { bootstrapNode } from './bootstrap/bootstrap-node.js';
export type { BootstrapOutcome } from './bootstrap/bootstrap-node.js';
export { resolveBootstrapOptions, DEFAULT_AGENT_VERSION } from './bootstrap/options.js';
export type { BootstrapOptions, ResolvedBootstrapOptions } from './bootstrap/options.js';
export { DEFAULT_CERT_DIR, DEFAULT_CONFIG_PATH, DEFAULT_STATE_DIR, loadAgentConfig } from './config/agent-config.js';
export type { AgentConfig, AgentConfigValues } from './config/agent-config.js';
export { renewNodeCertificate } from './renewal/renew-node.js';
export type { RenewNodeOptions, RenewalOutcome } from './renewal/renew-node.js';
export { cliConfigPath, loadCliSettings, cliClientOptions } from './config/cli-config.js';
export type { CliConfigFile, CliConnectionFlags, CliSettings, CliSettingSource } from './config/cli-config.js';
export { connectAdmin, ADMIN_CONNECTION_ENV } from './client/connect-admin.js';
export type { AdminConnection, AdminConnectionOptions } from './client/connect-admin.js';
