// The SDK's public face: what @otherix/sdk promises. Nothing else is public.
export type { paths, components, operations } from './generated/openapi.js';

// --- core: errors, tokens, durations, PKI, atomic files, layered config ---
export { OtherixError, OtherixApiError, isOtherixError, isApiErrorCode, errorBody, API_ERROR_STATUS, API_ERROR_CODES, LOCAL_ERROR_CODES, ERROR_CODES } from './errors.js';
export type { ApiErrorCode, LocalErrorCode, OtherixErrorCode, OtherixErrorOptions, OtherixApiErrorInit, ErrorBody } from './errors.js';
export { TOKEN_PREFIX, TOKEN_SECRET_LENGTH, generateToken, isTokenShape, assertTokenShape, hashToken, maskToken } from './tokens.js';
export type { TokenKind } from './tokens.js';
export { parseDuration, formatDuration } from './durations.js';
export { verbatimFlagValue } from './argv/flag-values.js';
export { loadX509 } from './pki/load-x509.js';
export type { X509 } from './pki/load-x509.js';
export { FINGERPRINT_PREFIX, fingerprintOfDer, fingerprintOfPem, parseFingerprint, fingerprintsEqual } from './pki/fingerprint.js';
export { singleCaCertificate } from './pki/ca-pem.js';
export type { PinnableCa } from './pki/ca-pem.js';
export { CONTROL_PLANE_SPIFFE_ID, NODE_SPIFFE_PREFIX, nodeSpiffeId, nodeNameFromSpiffeId, uriSansOf, checkServerIdentityFor } from './pki/identity.js';
export { NODE_KEY_ALGORITHM, generateNodeKeyPair, exportPrivateKeyPem, importPrivateKeyPem, publicKeySpkiDerOf } from './pki/keys.js';
export type { NodeKeyPair } from './pki/keys.js';
export { createCsr, verifyCsr, verifyCsrAsync, describeKey } from './pki/csr.js';
export type { VerifiedCsr } from './pki/csr.js';
export { assertChainsTo, assertHoldsKey, assertUriSan, verifyIssuedIdentity } from './pki/chain.js';
export { writeFileAtomic, writeFileSetAtomic, readFileSetState, removeWriteLeftovers, folderEntries } from './files/atomic.js';
export type { FileSpec } from './files/atomic.js';
export { createTempFile, commitTempFile, discardTempFile } from './files/temp-file.js';
export type { TempFile } from './files/temp-file.js';
export { CRASH_EXIT_CODE, CRASH_STEPS } from './files/crash-points.js';
export type { CrashStep } from './files/crash-points.js';
export { DEFAULT_ENV_PREFIX, loadConfig, readYamlFile, toYaml, flattenKeys, unflattenKeys } from './config/layered.js';
export type { ConfigValueKind, ConfigKeySpec, ConfigSchema, ConfigSource, LoadConfigOptions, LoadedConfig } from './config/layered.js';
// --- end core ---

// --- client, TOFU pinning, bootstrap ---
export { createClient, parseCpUrl } from './client/create-client.js';
export type { ClientOptions, OtherixClient } from './client/create-client.js';
export { DEFAULT_REQUEST_TIMEOUT_MS } from './client/transport.js';
export type { ClientCertificate } from './client/transport.js';
export { classifyConnectionFailure, isConnectionReset } from './client/connection-errors.js';
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
export { resolveBootstrapInvocation } from './bootstrap/invocation.js';
export type { BootstrapInvocation } from './bootstrap/invocation.js';
export { resolveTokenSource } from './bootstrap/token-source.js';
export type { TokenSources, ResolvedToken } from './bootstrap/token-source.js';
export { detectArchitecture } from './bootstrap/architecture.js';
export { CERT_FILES, CERT_FILE_NAMES, KEY_FILE_MODE, PUBLIC_FILE_MODE } from './bootstrap/cert-dir.js';
export { assertAgentFilePermissions } from './bootstrap/file-permissions.js';
export {
  AGENT_CONFIG_FILE_MODE,
  AGENT_CONFIG_SCHEMA,
  BOOTSTRAP_CONFIG_SCHEMA,
  DEFAULT_AGENT_REQUEST_TIMEOUT_MS,
  DEFAULT_CERT_DIR,
  DEFAULT_CONFIG_PATH,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_LISTEN,
  DEFAULT_LOG_LEVEL,
  DEFAULT_MIGRATION_PORT_RANGE_END,
  DEFAULT_MIGRATION_PORT_RANGE_START,
  DEFAULT_STATE_DIR,
  loadAgentConfig,
  renderAgentConfig,
} from './config/agent-config.js';
export type { AgentConfig, AgentConfigValues } from './config/agent-config.js';
// --- end client ---
// --- faults around the join and the heartbeats ---
export { MAX_JOIN_CLOCK_SKEW_MS } from './bootstrap/clock-skew.js';
export { checkCertSet } from './bootstrap/cert-set-check.js';
export type { CertSetCheck, CertSetFiles } from './bootstrap/cert-set-check.js';
// --- end faults ---
// --- node certificate renewal ---
export { renewNodeCertificate } from './renewal/renew-node.js';
export type { RenewNodeOptions, RenewalOutcome } from './renewal/renew-node.js';
export { readNodeIdentityFiles, rebootstrapAdvice } from './renewal/node-identity-files.js';
export type { NodeIdentityFiles } from './renewal/node-identity-files.js';
export { CERTIFICATE_BACKDATE_MS, certificateTimes } from './pki/lifetime.js';
export type { CertificateTimes } from './pki/lifetime.js';
export { DAY_MS, parseDurationWithDays, formatDurationWithDays } from './long-durations.js';
export { readFileSetSync } from './files/file-set-read.js';
export type { FileSetRead } from './files/file-set-read.js';
// --- end renewal ---
// --- otherix CLI connection settings ---
export { cliConfigPath, loadCliSettings, cliClientOptions, saveCliConfig, CLI_CONFIG_FILE_MODE, CLI_CONFIG_DIR_MODE, CLI_ENV } from './config/cli-config.js';
export type { CliConfigFile, CliConnectionFlags, CliSettings, CliSettingSource } from './config/cli-config.js';
// --- end CLI ---
// --- the OpenAPI document as data, for the server's schemas ---
export { openApiDocument } from './openapi-document.js';
export type { OpenApiDocument } from './openapi-document.js';
// --- end OpenAPI document ---
// --- shared rules and encodings (one implementation for every shell) ---
export { RESERVED_NODE_NAMES, isUuid, nodeNameProblem, isHostOrAddress, isLoopbackHost, hostProblem, canonicalHost, unbracketHost, ipv6Groups } from './names.js';
export { readListenAddress, formatHostPort } from './listen-address.js';
export type { ListenAddress, ListenAddressParse, ListenAddressProblem } from './listen-address.js';
export { parseHttpsUrl } from './https-url.js';
export type { HttpsUrlRules } from './https-url.js';
export { readDer, derChildren, derOid, pemBlock, toPem } from './pki/der.js';
export { TLS_CIPHERS, TLS_MIN_VERSION, TLS_SERVER_POLICY } from './tls/policy.js';
export { CONTROL_CHARACTERS, escapeControlCharacters } from './terminal-text.js';
export type { DerNode } from './pki/der.js';
// --- end shared rules ---
