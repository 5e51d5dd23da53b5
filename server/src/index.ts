// @otherix/server's public face, for tests and embedding: build and initialise a control plane.
export { buildApp, BODY_LIMIT_BYTES, LOG_REDACT_PATHS } from './app.js';
export type { BuildAppOptions, ServedRoute } from './app.js';
export type { RouteAuth, RouteRoles } from './plugins/auth.js';
export { initDataDir, caFingerprintOf, servingHosts, InitError } from './init/data-dir.js';
export type { InitOptions, ControlPlaneMaterial } from './init/data-dir.js';
export { dataDirFiles, DEFAULT_DATA_DIR } from './init/files.js';
export type { DataDirFiles } from './init/files.js';
export { ClusterCa, normalizeSerial, sansForHosts, LEAF_VALIDITY_MS, CA_VALIDITY_MS } from './services/ca.js';
export type { KeyPairPem, IssuedCertificate } from './services/ca.js';
export { isoTimestamp } from './services/timestamps.js';
export { nodeToApi, nodeToSummary, nodeStatus, MISSED_HEARTBEATS_FOR_NOT_READY, DEFAULT_HEARTBEAT_INTERVAL_MS } from './services/node-projection.js';
export { SqliteStore } from './store/sqlite/sqlite-store.js';
export { assertTokenRedeemable, assertClusterAllows } from './services/redemption.js';
export type { Store, NodeRow, JoinTokenRow, ApiTokenRow, ConsumptionRow, NodeCertificateRow, Role, RedemptionAttempt, RedemptionOutcome } from './store/store.js';
export { routeSchema, specOperations, fastifyPath } from './openapi/route-schema.js';
export type { OperationRef } from './openapi/route-schema.js';
export { DEFAULT_JOIN_GUESS_LIMIT, GUESS_WINDOW_MS } from './services/rate-limit.js';
