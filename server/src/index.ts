// @otherix/server's public face, for tests and embedding: build and initialise a control plane.
export { buildApp, BODY_LIMIT_BYTES } from './app.js';
export { DEFAULT_LISTENER_LIMITS, RESERVED_FILE_DESCRIPTORS, listenerLimits, serverTimeoutOptions } from './listener.js';
export type { ListenerLimits } from './listener.js';
export { LOG_REDACT_PATHS, redactUrl, redactTokens } from './log-redaction.js';
export type { BuildAppOptions } from './app.js';
export type { RouteAuth, RouteRoles, ServedRoute } from './plugins/auth.js';
export { initDataDir, caFingerprintOf, servingHosts } from './init/data-dir.js';
export { initReplica, sharedCaFingerprint } from './init/replica.js';
export type { ReplicaOptions } from './init/replica.js';
export { migrateStore } from './commands/migrate-store.js';
export { sealKey, unsealKey } from './services/sealed-key.js';
export { encryptCaKey, decryptCaKey, isEncryptedCaKey, DEFAULT_SCRYPT_PARAMS } from './services/ca-key-at-rest.js';
export { readCaKeyFile, writeCaKeyFile } from './init/ca-key-file.js';
export type { InitOptions, ControlPlaneMaterial } from './init/data-dir.js';
export { dataDirFiles, DEFAULT_DATA_DIR } from './init/files.js';
export { acquireDataDirLock } from './init/lock.js';
export type { DataDirLock } from './init/lock.js';
export { CpCertificates } from './init/cp-certificates.js';
export { FIRST_START_STEPS } from './init/first-start-steps.js';
export type { FirstStartStep } from './init/first-start-steps.js';
export type { DataDirFiles } from './init/files.js';
export { ClusterCa, normalizeSerial, sansForHosts, LEAF_VALIDITY_MS, CA_VALIDITY_MS, CERTIFICATE_BACKDATE_MS } from './services/ca.js';
export type { KeyPairPem, IssuedCertificate } from './services/ca.js';
export { isoTimestamp } from './timestamps.js';
export {
  nodeToApi,
  nodeToSummary,
  nodeStatus,
  MISSED_HEARTBEATS_FOR_NOT_READY,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
} from './services/node-projection.js';
export { SqliteStore } from './store/sqlite/sqlite-store.js';
export { pageClauses as nodePageClauses } from './store/sql-nodes.js';
export type { NodeListQuery } from './store/node-store.js';
export type { SqlValue } from './store/rows.js';
export { PgStore, redactDatabaseUrl } from './store/postgres/postgres-store.js';
export type { SharedCluster } from './store/postgres/postgres-store.js';
export { NODE_STATUS_RULE } from './node-status-rule.js';
export type { StoreRows } from './store/store.js';
export { assertTokenRedeemable, assertClusterAllows } from './services/redemption.js';
export type {
  Store,
  NodeRow,
  JoinTokenRow,
  ApiTokenRow,
  ApiTokenRevocation,
  ConsumptionRow,
  NodeCertificateRow,
  Role,
} from './store/store.js';
export { redeemJoinTokens } from './services/redemption-batch.js';
export type { RedemptionAttempt, RedemptionOutcome } from './services/redemption-batch.js';
export { renewNodeCertificates } from './services/renewal-batch.js';
export { routeSchema, specOperations, fastifyPath, rewriteRefs } from './openapi/route-schema.js';
export type { OperationRef } from './openapi/route-schema.js';
export { DEFAULT_JOIN_GUESS_LIMIT, GUESS_WINDOW_MS, GuessLimiter } from './services/rate-limit.js';
export { guessSourceOf } from './services/guess-source.js';
export { adminTokenFileState } from './services/admin-token-file.js';
export type { AdminTokenFileState } from './services/admin-token-file.js';
export { startupLines } from './startup-lines.js';
export {
  DEFAULT_NODE_CERT_LIFETIME_MS,
  MIN_NODE_CERT_LIFETIME_MS,
  MAX_NODE_CERT_LIFETIME_MS,
  renewalSpacingMs,
} from './services/node-cert-lifetime.js';
export type { NodeRenewed } from './services/renewal.js';
export type { PendingLeafUsed } from './services/node-identity.js';
export type { RenewalAttempt, RenewalOutcome, RenewalResult } from './services/renewal-batch.js';
export type { RenewalState } from './store/renewal-store.js';
// The services the app is decorated with (app.services: typed for embedders that hook into them, e.g. renewal.onRenewed).
export type { Services } from './plugins/services.js';
export type { StartupFacts } from './startup-lines.js';
export { mintAdminTokenOffline, defaultRecoveryName, OFFLINE_CREATOR } from './commands/admin-token.js';
export { CpMetrics, CERTIFICATE_WINDOWS } from './metrics/cp-metrics.js';
export type { RequestOutcome, CommitQueue } from './metrics/cp-metrics.js';
export type { MeteredRoute } from './metrics/plugin.js';
export { AUDIT_EVENTS } from './audit/events.js';
export type { AuditActor, AuditEventFields, AuditEventName } from './audit/events.js';
export { BACKUP_FORMAT, BACKUP_FORMAT_VERSION, MANIFEST_NAME } from './backup/contents.js';
export type { BackupManifest } from './backup/contents.js';
