// Decorates the app with `app.metrics` (CpMetrics) and counts the routes that say so in their
// config (`metrics: 'join' | 'heartbeat' | 'renew'`): outcome and latency, from the moment Fastify received
// the request to its answer, refusals before the handler (validation, mTLS) included. The hooks
// are attached to those routes only (onRoute), so no other request pays for them; each is a
// callback hook, no promise, and an accepted request allocates nothing here.
import { API_ERROR_CODES } from '@otherix/sdk';
import { openApiDocument, API_ERROR_STATUS } from '@otherix/sdk/internal';
import type { ApiErrorCode } from '@otherix/sdk';
import type { FastifyReply, FastifyRequest, onErrorHookHandler, onResponseHookHandler } from 'fastify';
import { isHttpError } from '../errors.js';
import { sharedPlugin } from '../plugins/shared-plugin.js';
import { CpMetrics } from './cp-metrics.js';
import type { RequestOutcome } from './cp-metrics.js';

export type MeteredRoute = 'join' | 'heartbeat' | 'renew';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: CpMetrics;
  }
  interface FastifyContextConfig {
    /** Count this route's outcomes and latency in the named metrics. */
    metrics?: MeteredRoute;
  }
  interface FastifyRequest {
    /** The API error a metered route answered with (set by its onError hook). */
    meteredRefusal: { code: ApiErrorCode; reason: string } | null;
  }
}

/** token_rejected reasons are a closed list (openapi.yaml TokenRejectedReason); anything else is not a label value. */
const REJECTED_REASONS = new Set((openApiDocument.components.schemas['TokenRejectedReason']['enum'] as string[] | undefined) ?? []);

// token_rejected shares 401 with unauthenticated: a bare 401 is the latter (as in the SDK).
const CODE_BY_STATUS = new Map<number, ApiErrorCode>(
  API_ERROR_CODES.filter((code) => code !== 'token_rejected').map((code) => [API_ERROR_STATUS[code], code]),
);

/** The outcome of an answered request: its HttpError, else the code its status stands for. */
function outcomeOf(request: FastifyRequest, statusCode: number): { outcome: RequestOutcome; reason: string } {
  const refusal = request.meteredRefusal;
  if (refusal !== null) return { outcome: refusal.code, reason: refusal.reason };
  if (statusCode < 400) return { outcome: 'ok', reason: '' };
  return { outcome: CODE_BY_STATUS.get(statusCode) ?? (statusCode >= 500 ? 'internal' : 'validation_failed'), reason: '' };
}

export interface MetricsPluginOptions extends Record<string, unknown> {
  /** Shown as otherix_cp_build_info{version}. */
  version?: string;
}

export default sharedPlugin<MetricsPluginOptions>('otherix-metrics', async (app, options) => {
  const metrics = new CpMetrics(options.version === undefined ? {} : { version: options.version });
  app.decorate('metrics', metrics);
  app.decorateRequest('meteredRefusal', null);

  const families = {
    join: { counter: metrics.joins, seconds: metrics.joinSeconds },
    heartbeat: { counter: metrics.heartbeats, seconds: metrics.heartbeatSeconds },
    renew: { counter: metrics.renewals, seconds: metrics.renewalSeconds },
  } as const;

  const remember: onErrorHookHandler = (request, _reply, error, done) => {
    if (isHttpError(error)) {
      const detail = error.code === 'token_rejected' ? error.details?.['reason'] : undefined;
      const reason = typeof detail === 'string' ? detail : '';
      request.meteredRefusal = { code: error.code, reason: reason === '' || REJECTED_REASONS.has(reason) ? reason : 'other' };
    }
    done();
  };

  app.addHook('onRoute', (route) => {
    const family = route.config?.metrics;
    if (family === undefined) return;
    const { counter, seconds } = families[family];
    const count: onResponseHookHandler = (request: FastifyRequest, reply: FastifyReply, done) => {
      seconds.observe(reply.elapsedTime / 1000);
      if (reply.statusCode < 400 && request.meteredRefusal === null) counter.incOk();
      else {
        const { outcome, reason } = outcomeOf(request, reply.statusCode);
        counter.inc(outcome, reason);
      }
      done();
    };
    route.onResponse = [...[route.onResponse ?? []].flat(), count];
    route.onError = [...[route.onError ?? []].flat(), remember];
  });
});
