// buildApp(options): the control plane as a Fastify instance, configured but not listening
// (main.ts listens; tests listen on 127.0.0.1:0).
import './threadpool.js';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autoload from '@fastify/autoload';
import Fastify from 'fastify';
import { OtherixError } from '@otherix/sdk';
import { TLS_SERVER_POLICY } from '@otherix/sdk/pki';
import { logSchemaOptions } from '@otherix/sdk/internal';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { applyConnectionCap, listenerLimits, serverTimeoutOptions } from './listener.js';
import type { ListenerLimits } from './listener.js';
import { LOG_REDACT_PATHS, redactLogArguments, serializeError, serializeRequest } from './log-redaction.js';
import metricsPlugin from './metrics/plugin.js';
import { DebugRequestLogController } from './request-logging.js';
import type { KeyPairPem } from './services/ca.js';
import { ClusterCa } from './services/ca.js';
import { DEFAULT_JOIN_GUESS_LIMIT } from './services/rate-limit.js';
import { DEFAULT_NODE_CERT_LIFETIME_MS, MAX_NODE_CERT_LIFETIME_MS, MIN_NODE_CERT_LIFETIME_MS } from './services/node-cert-lifetime.js';
import type { Store } from './store/store.js';
import { SqliteStore, DATABASE_FILE } from './store/sqlite/sqlite-store.js';
import { BUSY_TIMEOUT_MS } from './store/sqlite/connection.js';
import authPlugin from './plugins/auth.js';
import certificateRenewalPlugin from './plugins/certificate-renewal.js';
import type { CertificateRenewer } from './plugins/certificate-renewal.js';
import errorsPlugin from './plugins/errors.js';
import caRotationPlugin, { DEFAULT_ROTATION_POLL_MS } from './plugins/ca-rotation.js';
import type { RotatingCertificates } from './plugins/ca-rotation.js';
import type { NextCaKeys } from './services/ca-rotation.js';
import keepAlivePolicyPlugin from './plugins/keep-alive-policy.js';
import nodeIdentityPlugin from './plugins/node-identity.js';
import schemasPlugin from './plugins/schemas.js';
import resourcesPlugin from './plugins/resources.js';
import servicesPlugin from './plugins/services.js';

export const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * A literal JSON `null` body, kept apart from an empty one (which parses to undefined and is
 * validated as null): an operation that takes no body refuses it like any other body, and one
 * that takes an object refuses it as not an object. No schema accepts it, so no handler sees it.
 */
const NULL_BODY = Symbol('a JSON null body');

/** The TLS context of the CP's listener: at start, and again when the serving certificate is renewed. */
function secureContextOptions(serving: KeyPairPem, trustedPems: string[]) {
  return {
    key: serving.keyPem,
    cert: serving.certPem,
    // The CAs node certificates may chain to: two during a CA rotation (plugins/ca-rotation.ts).
    ca: trustedPems,
    // TLS 1.2+ with AEAD suites only: the SDK's one policy, shared with the agent's server.
    ...TLS_SERVER_POLICY,
  };
}

export interface BuildAppOptions {
  /** The store; or a data dir whose otherix.db is opened (and closed with the app). */
  store?: Store;
  dataDir?: string;
  ca: ClusterCa;
  /** The CP's serving certificate and key. */
  serving: KeyPairPem;
  /** Renews the CP's certificates while it runs (initDataDir's `certificates`); without it they are not renewed. */
  certificates?: CertificateRenewer;
  /** Epoch milliseconds; default Date.now. */
  now?: () => number;
  /** Fastify logger options (pino); default JSON lines at info. `false` disables logging. */
  logger?: boolean | (Exclude<FastifyServerOptions['logger'], boolean | undefined> & { level?: string; stream?: unknown });
  /** Unknown-token redemptions per source (IPv4 address, IPv6 /64) per minute (default 10). */
  joinGuessLimit?: number;
  /** Node leaves' lifetime from signing, 1m..365d (default 30 days): joins, re-issues and renewals. */
  nodeCertLifetimeMs?: number;
  /** Host names and addresses of the CP itself: no node may claim them. */
  controlPlaneHosts?: readonly string[];
  /** Close the store when the app closes (default true when buildApp opened it or store was given). */
  closeStore?: boolean;
  /** Timeouts, the connection cap and the per-source limit (listener.ts); default DEFAULT_LISTENER_LIMITS. Tests inject short ones. */
  listener?: Partial<ListenerLimits>;
  /** This CP's version, for otherix_cp_build_info (app.metrics). */
  version?: string;
  /** Where a CA rotation keeps its new CA's key (initDataDir's `caKeys`); default this process's memory. */
  caKeys?: NextCaKeys;
  /** How often the CA rotation's stored state is read again (replicas); default DEFAULT_ROTATION_POLL_MS. */
  caRotationPollMs?: number;
}

function loggerOptions(logger: BuildAppOptions['logger']): FastifyServerOptions['logger'] {
  if (logger === false) return false;
  const base = logger === undefined || logger === true ? {} : logger;
  // No secret in a log line, whatever the client sends (log-redaction.ts).
  return {
    level: 'info',
    ...base,
    // The format otherix-agent logs too (string level, ISO time): README.md, "Logs".
    ...logSchemaOptions(),
    redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' },
    serializers: { req: serializeRequest, err: serializeError },
    hooks: { logMethod: redactLogArguments },
  } as FastifyServerOptions['logger'];
}

/** The folder of a SQLite store's file, for messages. */
function dataDirOf(store: Store): string | undefined {
  return store instanceof SqliteStore ? store.directory : undefined;
}

/** The lifetime an embedder asked for, within the flag's bounds (main.ts refuses others as usage). */
function nodeCertLifetime(ms: number | undefined): number {
  if (ms === undefined) return DEFAULT_NODE_CERT_LIFETIME_MS;
  if (!Number.isSafeInteger(ms) || ms < MIN_NODE_CERT_LIFETIME_MS || ms > MAX_NODE_CERT_LIFETIME_MS) {
    throw new OtherixError(
      'config_invalid',
      `nodeCertLifetimeMs ${ms}: expected ${MIN_NODE_CERT_LIFETIME_MS}..${MAX_NODE_CERT_LIFETIME_MS} ms (1m..365d)`,
    );
  }
  return ms;
}

function isRotating(renewer: CertificateRenewer | undefined): renewer is CertificateRenewer & RotatingCertificates {
  return renewer !== undefined && typeof (renewer as Partial<RotatingCertificates>).useIssuers === 'function';
}

export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const store = options.store ?? (options.dataDir !== undefined ? await SqliteStore.open(join(options.dataDir, DATABASE_FILE)) : undefined);
  if (store === undefined) throw new OtherixError('config_invalid', 'buildApp needs a store or a dataDir');
  if (!(options.ca instanceof ClusterCa)) throw new OtherixError('config_invalid', 'buildApp needs the cluster CA');
  const limits = listenerLimits(options.listener);
  const timeouts = serverTimeoutOptions(limits);
  const app = Fastify({
    https: {
      ...secureContextOptions(options.serving, [options.ca.certPem]),
      // Client certificates are optional at the TLS layer; the heartbeat route demands one.
      requestCert: true,
      rejectUnauthorized: false,
      // Connections that never authenticate cannot hold the CP (listener.ts).
      handshakeTimeout: timeouts.handshakeTimeout,
      headersTimeout: timeouts.headersTimeout,
      connectionsCheckingInterval: timeouts.connectionsCheckingInterval,
    },
    requestTimeout: timeouts.requestTimeout,
    keepAliveTimeout: timeouts.keepAliveTimeout,
    bodyLimit: BODY_LIMIT_BYTES,
    logger: loggerOptions(options.logger),
    // Per-request lines at debug: at info the log is the audit trail (request-logging.ts).
    logController: new DebugRequestLogController(),
    exposeHeadRoutes: false,
    // While closing, requests already on a connection are served (503 would not be an API error body).
    return503OnClosing: false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true, allErrors: false } },
  });

  // Empty bodies on body-less POSTs (revoke, cordon) are fine; anything else must be JSON.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = (body as string).trim();
    if (text === '') return done(null, undefined);
    try {
      const parsed: unknown = JSON.parse(text);
      done(null, parsed === null ? NULL_BODY : parsed);
    } catch {
      const error = new SyntaxError('the request body is not valid JSON') as SyntaxError & { statusCode: number };
      error.statusCode = 400;
      done(error, undefined);
    }
  });

  applyConnectionCap(app, limits);

  // Drain on close: requests already on a keep-alive connection are served, with Connection:
  // close so the client opens no more on it (agents heartbeat on keep-alive; without this a
  // busy connection would never go idle and close() would never finish).
  let draining = false;
  app.addHook('preClose', async () => {
    draining = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (draining) reply.header('connection', 'close');
  });

  await app.register(errorsPlugin);
  await app.register(schemasPlugin);
  await app.register(metricsPlugin, options.version === undefined ? {} : { version: options.version });
  await app.register(servicesPlugin, {
    store,
    ca: options.ca,
    now: options.now ?? Date.now,
    joinGuessLimit: options.joinGuessLimit ?? DEFAULT_JOIN_GUESS_LIMIT,
    controlPlaneHosts: options.controlPlaneHosts ?? [],
    nodeCertLifetimeMs: nodeCertLifetime(options.nodeCertLifetimeMs),
    closeStore: options.closeStore ?? true,
    caKeys: options.caKeys,
  });
  await app.register(resourcesPlugin, { dataDir: options.dataDir ?? dataDirOf(store), busyTimeoutMs: BUSY_TIMEOUT_MS });
  await app.register(certificateRenewalPlugin, {
    renewer: options.certificates,
    secureContext: (serving: KeyPairPem) => secureContextOptions(serving, app.services.caRotation.trust.trustedPems),
  });
  await app.register(caRotationPlugin, {
    certificates: isRotating(options.certificates) ? options.certificates : undefined,
    serving: options.serving,
    secureContext: secureContextOptions,
    pollMs: options.caRotationPollMs ?? DEFAULT_ROTATION_POLL_MS,
  });
  await app.register(authPlugin);
  await app.register(nodeIdentityPlugin);
  await app.register(keepAlivePolicyPlugin, { maxUnauthenticatedPerSource: limits.maxUnauthenticatedPerSource });
  await app.register(autoload, {
    dir: join(dirname(fileURLToPath(import.meta.url)), 'routes'),
    // No index-file semantics: every file in routes/ is a route plugin, named for its operation.
    indexPattern: /^$/,
  });
  return app;
}
