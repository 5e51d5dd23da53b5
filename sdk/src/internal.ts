// @otherix/sdk/internal: what the otherix binaries (server, agent, CLI) share and automation
// does not need: atomic file writes and their steps, token generation and hashing, name and
// address rules, the CLI's config writer, the agent's config schema, the OpenAPI document.
// Exported so the three packages have one implementation; no stability promise.
export { errorBody, API_ERROR_STATUS } from './errors.js';
export { TOKEN_SECRET_LENGTH, generateToken, assertTokenShape, hashToken } from './tokens.js';
export { writeFileAtomic, writeFileSetAtomic, readFileSetState, removeWriteLeftovers, folderEntries } from './files/atomic.js';
export { createTempFile, commitTempFile, discardTempFile } from './files/temp-file.js';
export type { TempFile } from './files/temp-file.js';
export type { FileSpec } from './files/atomic.js';
export { WRITE_STEPS, observeWriteSteps, passWriteStep } from './files/write-steps.js';
export type { WriteStep, WriteStepObserver } from './files/write-steps.js';
export { DEFAULT_ENV_PREFIX, readYamlFile, toYaml, flattenKeys, unflattenKeys } from './config/layered.js';
export { classifyConnectionFailure, isConnectionReset } from './client/connection-errors.js';
export type { ConnectionFailureCode } from './client/connection-errors.js';
export { parseCpUrls, formatCpUrls } from './client/cp-urls.js';
export type { CpUrlRules } from './client/cp-urls.js';
export { resolveBootstrapInvocation } from './bootstrap/invocation.js';
export type { BootstrapInvocation } from './bootstrap/invocation.js';
export { resolveTokenSource } from './bootstrap/token-source.js';
export type { TokenSources, ResolvedToken } from './bootstrap/token-source.js';
export { detectArchitecture } from './bootstrap/architecture.js';
export { CERT_FILES, CERT_FILE_NAMES, KEY_FILE_MODE, PUBLIC_FILE_MODE } from './bootstrap/cert-dir.js';
export { assertAgentFilePermissions, assertCertDirOwner } from './bootstrap/file-permissions.js';
export {
  AGENT_CONFIG_FILE_MODE,
  AGENT_CONFIG_SCHEMA,
  BOOTSTRAP_CONFIG_SCHEMA,
  DEFAULT_AGENT_REQUEST_TIMEOUT_MS,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_LISTEN,
  DEFAULT_LOG_LEVEL,
  DEFAULT_MIGRATION_PORT_RANGE_END,
  DEFAULT_MIGRATION_PORT_RANGE_START,
  renderAgentConfig,
} from './config/agent-config.js';
export { MAX_JOIN_CLOCK_SKEW_MS } from './bootstrap/clock-skew.js';
export { checkCertSet } from './bootstrap/cert-set-check.js';
export type { CertSetCheck, CertSetFiles } from './bootstrap/cert-set-check.js';
export { readNodeIdentityFiles, rebootstrapAdvice } from './renewal/node-identity-files.js';
export type { NodeIdentityFiles } from './renewal/node-identity-files.js';
export { DAY_MS, parseDurationWithDays, formatDurationWithDays } from './long-durations.js';
export { readFileSetSync } from './files/file-set-read.js';
export type { FileSetRead } from './files/file-set-read.js';
export { saveCliConfig, cliCpUrls, CLI_CONFIG_FILE_MODE, CLI_CONFIG_DIR_MODE, CLI_ENV } from './config/cli-config.js';
export { recoverCliTrust, refreshCliTrust } from './config/cli-trust.js';
export type { RecoveredTrust } from './config/cli-trust.js';
export { probeCaRotation } from './pki/rotation-probe.js';
export type { RotationProbe } from './pki/rotation-probe.js';
export { openApiDocument } from './openapi-document.js';
export type { OpenApiDocument } from './openapi-document.js';
export {
  RESERVED_NODE_NAMES,
  isUuid,
  nodeNameProblem,
  isHostOrAddress,
  isLoopbackHost,
  hostProblem,
  canonicalHost,
  unbracketHost,
  ipv6Groups,
} from './names.js';
export { readListenAddress, formatHostPort } from './listen-address.js';
export type { ListenAddress, ListenAddressParse, ListenAddressProblem } from './listen-address.js';
export { parseHttpsUrl } from './https-url.js';
export type { HttpsUrlRules } from './https-url.js';
export { CONTROL_CHARACTERS, escapeControlCharacters } from './terminal-text.js';
export { logSchemaOptions } from './log-schema.js';
export type { LogSchemaOptions } from './log-schema.js';
